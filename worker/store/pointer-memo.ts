// Each page's render pointer as this isolate last learnt it, with when its coordinator said
// so, and the one pointer request in flight per page (every request for the page in the
// meantime waits for that one: coalescing). A pointer only ever moves forward here unless the
// coordinator itself says otherwise, so a slower or staler source (another isolate's Cache API
// entry, KV's copy) can never make a location serve an older render after a newer one.
import type { RenderPointer } from './pointer.ts';

const MAX_ENTRIES = 10_000;

export interface KnownPointer {
  /** null: the page has no render anyone knows of. */
  pointer: RenderPointer | null;
  /** When the coordinator answered it (0: it did not; KV's copy, never fresh). */
  at: number;
}

export class PointerMemo {
  private readonly known = new Map<string, KnownPointer>();
  readonly inflight = new Map<string, Promise<KnownPointer | undefined>>();
  /** After the coordinator failed to answer in time: serve what is held, without waiting,
   * until then (a coordinator that hangs must not add its budget to every request). */
  readonly unconfirmedUntil = new Map<string, number>();

  get(pageId: string): KnownPointer | undefined {
    return this.known.get(pageId);
  }

  /**
   * Remembers a pointer. `authoritative`: the coordinator's own answer, taken as it is; any
   * other source is taken only if it is not older than what is held.
   */
  offer(pageId: string, next: KnownPointer, authoritative: boolean): KnownPointer {
    const held = this.known.get(pageId);
    if (held && !authoritative) {
      const heldVersion = held.pointer?.version ?? -1;
      const nextVersion = next.pointer?.version ?? -1;
      if (nextVersion < heldVersion) return held;
      if (nextVersion === heldVersion && next.at <= held.at) return held;
    }
    if (!held && this.known.size >= MAX_ENTRIES) {
      this.known.delete(this.known.keys().next().value as string);
    }
    this.known.set(pageId, next);
    return next;
  }

  forget(pageId?: string): void {
    if (pageId === undefined) {
      this.known.clear();
      this.unconfirmedUntil.clear();
    } else {
      this.known.delete(pageId);
      this.unconfirmedUntil.delete(pageId);
    }
  }
}

/** This isolate's memo. The coordinator offers its new pointer here too after a publish, which
 * helps when it runs in the same isolate as readers (locally, always). */
export const isolatePointers = new PointerMemo();
