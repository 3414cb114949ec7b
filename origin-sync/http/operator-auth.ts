// Operators' endpoints (docs/contract.md §3) need `Authorization: Bearer <OPERATOR_TOKEN>`: the
// event explorer names pages, hostnames and events, which are the customers' business. Every
// route is closed by default; only the core's door (`POST /v1/events`, which has its own
// signature) and `/healthz` (counts only) are open, so routes later issues add are covered
// without anyone remembering to.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { MiddlewareHandler } from 'hono';
import { problem } from './problem.ts';

/** Shortest token accepted: a guessable one would not be a door. */
export const MIN_OPERATOR_TOKEN_LENGTH = 24;

const OPEN: readonly { method: string; path: string }[] = [
  { method: 'POST', path: '/v1/events' },
  { method: 'GET', path: '/healthz' },
  { method: 'HEAD', path: '/healthz' },
];

const digest = (text: string) => createHash('sha256').update(text).digest();

/** Constant time whatever the lengths: both sides are hashed first. */
export function tokenMatches(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

export function operatorAuth(token: string): MiddlewareHandler {
  if (token.length < MIN_OPERATOR_TOKEN_LENGTH) {
    throw new Error(`the operator token must be at least ${MIN_OPERATOR_TOKEN_LENGTH} characters`);
  }
  return async (c, next) => {
    if (OPEN.some((o) => o.method === c.req.method && o.path === c.req.path)) return next();
    const given = /^Bearer\s+(\S+)$/i.exec(c.req.header('Authorization') ?? '')?.[1];
    if (given === undefined || !tokenMatches(given, token)) {
      return problem(
        {
          title: 'Operator token required',
          status: 401,
          detail: 'Send Authorization: Bearer <OPERATOR_TOKEN>.',
        },
        { 'WWW-Authenticate': 'Bearer realm="origin-sync"' },
      );
    }
    return next();
  };
}

export function operatorTokenFile(stateDir: string): string {
  return join(stateDir, 'operator-token');
}

/** The token in `<stateDir>/operator-token`, created (0600) on the first run. */
export async function loadOrCreateOperatorToken(
  stateDir: string,
): Promise<{ token: string; created: boolean }> {
  const file = operatorTokenFile(stateDir);
  const existing = await readOperatorToken(stateDir);
  if (existing !== null) return { token: existing, created: false };
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const token = randomBytes(32).toString('base64url');
  await writeFile(file, `${token}\n`, { mode: 0o600, flag: 'wx' }).catch(async (err: unknown) => {
    // Another process created it first: use theirs.
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  });
  await chmod(file, 0o600);
  const saved = await readOperatorToken(stateDir);
  if (saved === null) throw new Error(`could not create ${file}`);
  return { token: saved, created: saved === token };
}

export async function readOperatorToken(stateDir: string): Promise<string | null> {
  try {
    const text = (await readFile(operatorTokenFile(stateDir), 'utf8')).trim();
    return text.length >= MIN_OPERATOR_TOKEN_LENGTH ? text : null;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}
