// A test-only worker that renders page snapshots in workerd and writes them into KV exactly as
// the workerd tests seed pages. End-to-end tests run it against a state dir before starting the
// real worker on the same dir, until they can push pages through the write path instead.
import type { PageSnapshot } from '../../../worker/domain/snapshot.ts';
import { seedPage } from '../../worker/support/seed.ts';

interface SeedRequest {
  snapshots: PageSnapshot[];
  now: string;
}

export default {
  async fetch(request: Request): Promise<Response> {
    const { snapshots, now } = (await request.json()) as SeedRequest;
    for (const snapshot of snapshots) await seedPage(snapshot, new Date(now));
    return new Response(null, { status: 204 });
  },
};
