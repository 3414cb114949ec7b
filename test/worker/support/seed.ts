// Writes a page into the test worker's KV the way the coordinator does, and makes this
// isolate forget any memoised hostname mapping so the next request sees it.
import { env } from 'cloudflare:workers';
import type { PageSnapshot } from '../../../worker/domain/snapshot.ts';
import { forgetHosts } from '../../../worker/store/host-lookup.ts';
import { seedKv } from '../../support/seed-kv.ts';

export async function seedPage(snapshot: PageSnapshot, now: Date, version = 1): Promise<void> {
  await seedKv(env.PAGES_KV, snapshot, now, version);
  for (const host of snapshot.page.hostnames) forgetHosts(host);
}
