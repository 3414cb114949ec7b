// Explorer sessions: the operator token is typed once; the browser then holds a random session
// id in an HttpOnly, SameSite=Strict cookie (Secure over https). Sessions live in memory, so
// signing out ends one at once and a restart ends them all (sign in again).
import { randomBytes } from 'node:crypto';

export const SESSION_COOKIE = 'explorer_session';
export const SESSION_TTL_MS = 12 * 3_600_000;
const MAX_SESSIONS = 1_000;

export class Sessions {
  readonly #byId = new Map<string, { expires: number; label: string }>();

  readonly now: () => number;

  constructor(now: () => number) {
    this.now = now;
  }

  create(): { id: string; label: string } {
    this.#sweep();
    const id = randomBytes(32).toString('base64url');
    // Names the session in the action log without revealing it.
    const label = `operator session ${id.slice(0, 6)}`;
    this.#byId.set(id, { expires: this.now() + SESSION_TTL_MS, label });
    return { id, label };
  }

  /** The session's label, or undefined when the id is unknown or expired. */
  check(id: string | undefined): string | undefined {
    if (!id) return undefined;
    const s = this.#byId.get(id);
    if (!s) return undefined;
    if (s.expires <= this.now()) {
      this.#byId.delete(id);
      return undefined;
    }
    return s.label;
  }

  end(id: string | undefined): void {
    if (id) this.#byId.delete(id);
  }

  #sweep(): void {
    const now = this.now();
    for (const [id, s] of this.#byId) if (s.expires <= now) this.#byId.delete(id);
    // Oldest first: a script signing in forever cannot grow memory without bound.
    while (this.#byId.size >= MAX_SESSIONS) {
      const first = this.#byId.keys().next().value;
      if (first === undefined) break;
      this.#byId.delete(first);
    }
  }
}

export function sessionCookie(id: string, secure: boolean, maxAgeS: number): string {
  return [
    `${SESSION_COOKIE}=${id}`,
    'Path=/explorer',
    'HttpOnly',
    'SameSite=Strict',
    `Max-Age=${maxAgeS}`,
    ...(secure ? ['Secure'] : []),
  ].join('; ');
}
