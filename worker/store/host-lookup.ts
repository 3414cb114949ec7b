// Hostname → page, memoised in the isolate: the hot path then costs one KV read (the
// document). Misses are remembered briefly too, so a flood of unknown hosts cannot turn
// into a flood of KV reads. A moved hostname is picked up within TTL_MS.
import { type HostRecord, hostKey } from './keys.ts';

const TTL_MS = 15_000;
const MISS_TTL_MS = 5_000;
const MAX_ENTRIES = 10_000;

interface Entry {
  record: HostRecord | null;
  expires: number;
}

const memo = new Map<string, Entry>();

export async function lookupHost(
  kv: KVNamespace,
  hostname: string,
  now = Date.now(),
): Promise<HostRecord | null> {
  const hit = memo.get(hostname);
  if (hit && hit.expires > now) return hit.record;
  const record = await kv.get<HostRecord>(hostKey(hostname), 'json');
  if (memo.size >= MAX_ENTRIES) memo.delete(memo.keys().next().value as string);
  memo.set(hostname, { record, expires: now + (record ? TTL_MS : MISS_TTL_MS) });
  return record;
}

/** Drop memoised entries (tests, and the coordinator when it changes a mapping in-isolate). */
export function forgetHosts(hostname?: string): void {
  if (hostname === undefined) memo.clear();
  else memo.delete(hostname);
}
