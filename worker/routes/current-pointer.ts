// Which render of a page this location serves now. The page's coordinator is the strongly
// consistent source; asking it costs a round trip to wherever it lives, so a location asks at
// most about once a second per page, however many requests it has:
//   1. this isolate's memo, when the coordinator's answer is under a second old;
//   2. otherwise one request in flight per page per isolate (the others wait for it), which
//      first looks at the location's Cache API (another isolate may have asked within the
//      second) and then asks the coordinator;
//   3. when that takes longer than a small budget (the coordinator is slow, unreachable, or
//      failing), the request serves what is known: the last pointer this isolate held, else
//      KV's copy (eventually consistent, so possibly older). Freshness is then not confirmed,
//      but the page never fails for it; the request in flight still updates the memo.

import { log } from '../log.ts';
import { parsePointer, pointerKey, type RenderPointer } from '../store/pointer.ts';
import { cachedPointer, putPointer } from '../store/pointer-cache.ts';
import type { KnownPointer, PointerMemo } from '../store/pointer-memo.ts';
import type { ReadLocation } from './read-location.ts';

/** How long a coordinator's answer is taken as current. */
export const POINTER_FRESH_MS = 1000;
/** How long a request waits for the pointer before serving what it knows. */
export const POINTER_BUDGET_MS = 250;

export interface PointerRead {
  location: ReadLocation;
  memo: PointerMemo;
  hostname: string;
  pageId: string;
  waitUntil(promise: Promise<unknown>): void;
  budgetMs?: number;
}

/** The one refresh in flight: the location's copy if fresh, else the coordinator's answer. */
async function refresh(read: PointerRead): Promise<KnownPointer | undefined> {
  const { location, memo, hostname, pageId } = read;
  try {
    const cached = await cachedPointer(location.cache, hostname, pageId).catch(() => null);
    if (cached) {
      const held = memo.offer(pageId, cached, false);
      if (location.now() - held.at < POINTER_FRESH_MS) return held;
    }
    let pointer = await location.coordinator.pointer(pageId);
    // A coordinator that never knew the page: whatever put it in KV is the source.
    if (pointer === null) pointer = parsePointer(await location.kv.get(pointerKey(pageId)));
    const known = memo.offer(pageId, { pointer, at: location.now() }, true);
    memo.unconfirmedUntil.delete(pageId);
    read.waitUntil(putPointer(location.cache, hostname, pageId, known).catch(() => {}));
    return known;
  } catch (err) {
    log.warn('render pointer unavailable', { pageId, error: String(err) });
    return undefined;
  }
}

function within<T>(promise: Promise<T>, ms: number): Promise<T | 'late'> {
  if (ms <= 0) return Promise.resolve('late');
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), ms);
  });
  return Promise.race([promise, late]).finally(() => {
    if (timer !== undefined) clearTimeout(timer);
  });
}

/** The pointer to serve from (null: no render is known anywhere; ask the coordinator). */
export async function currentPointer(read: PointerRead): Promise<RenderPointer | null> {
  const { location, memo, pageId } = read;
  const held = memo.get(pageId);
  const now = location.now();
  if (held && now - held.at < POINTER_FRESH_MS) return held.pointer;
  if (held?.pointer && now < (memo.unconfirmedUntil.get(pageId) ?? 0)) return held.pointer;

  let flight = memo.inflight.get(pageId);
  if (!flight) {
    flight = refresh(read).finally(() => memo.inflight.delete(pageId));
    memo.inflight.set(pageId, flight);
  }
  const answer = await within(flight, read.budgetMs ?? POINTER_BUDGET_MS);
  if (answer === 'late') read.waitUntil(flight);
  else if (answer) return answer.pointer;
  memo.unconfirmedUntil.set(pageId, location.now() + POINTER_FRESH_MS);
  if (memo.unconfirmedUntil.size > 10_000) memo.unconfirmedUntil.clear();

  // Freshness could not be confirmed in time: serve what is known.
  const last = memo.get(pageId);
  if (last?.pointer) return last.pointer;
  const fromKv = parsePointer(await location.kv.get(pointerKey(pageId)).catch(() => null));
  if (fromKv) memo.offer(pageId, { pointer: fromKv, at: 0 }, false);
  return fromKv ?? last?.pointer ?? null;
}
