// The coordinator renders only what changed: every document's ETag is a fingerprint of what it
// reads, so a publish renders (and writes) the documents whose inputs changed and leaves the
// rest alone, unrendered and unhashed. On a huge page (300 services × 90 days of bars, 100
// incidents) during an incident, one event must not re-render 113 documents; and whatever it
// skipped must still be exactly what a render from scratch would write.
import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { syntheticSnapshot } from '../../bench/lib/synthetic-page.ts';
import type { PageCoordinator } from '../../worker/coordinator/page-coordinator.ts';
import type { CoreEvent } from '../../worker/domain/schema.ts';
import type { PageSnapshot } from '../../worker/domain/snapshot.ts';
import { renderVariant } from '../../worker/render/documents.ts';
import { forgetRenderMemos } from '../../worker/render/memo.ts';
import type { DocumentMeta } from '../../worker/store/keys.ts';
import { contentKey, parsePointer, pointerKey, slotOf } from '../../worker/store/pointer.ts';
import { serviceEvent } from '../support/events.ts';
import { TestPage } from './support/sync-client.ts';

/** The core events that build `snapshot`'s page in a coordinator. */
function eventsOf(snapshot: PageSnapshot, at: number): CoreEvent[] {
  const occurredAt = new Date(at).toISOString();
  let n = 0;
  const event = <T extends CoreEvent['type']>(type: T, data: unknown) =>
    ({ id: `evt_huge_${++n}`, type, occurredAt, version: 1, data }) as CoreEvent;
  return [
    event('status_page.upserted', snapshot.page),
    ...snapshot.services.map((s) => event('service.upserted', s)),
    ...snapshot.incidents.map((i) => event('incident.upserted', i)),
    ...snapshot.maintenances.map((m) => event('maintenance.upserted', m)),
    ...snapshot.uptime.map((u) => event('uptime.recorded', u)),
  ];
}

async function huge(pageId: string) {
  const p = new TestPage(pageId);
  await p.setClock();
  const snapshot = syntheticSnapshot({ services: 300, incidents: 100 }, new Date(p.now));
  snapshot.page = { ...snapshot.page, id: pageId, hostnames: [`${pageId}.example`] };
  const events = eventsOf(snapshot, p.now - 3_600_000);
  for (let i = 0; i < events.length; i += 500) {
    await p.stub.applyBatch(pageId, events.slice(i, i + 500));
  }
  await p.render();
  const first = (await p.status()).lastPublish!;
  expect(first.rendered).toHaveLength(first.documents);
  // The first publish of an object has no plan to start from: every document fingerprinted.
  expect(first.fingerprinted).toBe(first.documents);
  return { p, snapshot };
}

const pathOf = (key: string) => key.slice(key.indexOf(':/') + 1);

/** Every document in KV equals, bytes and tag, a from-scratch render of the stored page. */
async function expectKvIsFromScratch(p: TestPage): Promise<number> {
  const at = new Date(p.now);
  const snapshot = await runInDurableObject(p.stub, (instance: PageCoordinator) =>
    instance.storage.snapshot(p.pageId, at),
  );
  forgetRenderMemos();
  // As this deployment renders: its version id is part of every tag.
  const deployment = env.CF_VERSION_METADATA?.id;
  expect(deployment).toBeTruthy();
  const scratch = await renderVariant(snapshot!, 'public', at, { deployment });
  // The pointer names exactly the documents of a render from scratch, with their tags.
  const pointer = parsePointer(await env.PAGES_KV.get(pointerKey(p.pageId)));
  expect(pointer?.docs).toEqual(
    Object.fromEntries(scratch.map((d) => [slotOf('public', d.path), d.etag])),
  );
  for (const doc of scratch) {
    const stored = await env.PAGES_KV.getWithMetadata<DocumentMeta>(
      contentKey(p.pageId, 'public', doc.path, doc.etag),
    );
    expect(stored.value, doc.path).toBe(doc.body);
    expect(stored.metadata?.etag, doc.path).toBe(doc.etag);
  }
  return scratch.length;
}

describe('a one-service change on a huge page', () => {
  it('renders only the documents that read the service status, and KV equals a render from scratch', async () => {
    const { p, snapshot } = await huge('page_huge_status');
    // A service named by some incidents: their pages show its name, not its status.
    const service = snapshot.services.find((s) =>
      snapshot.incidents.some((i) => i.serviceIds.includes(s.id) && s.status === 'operational'),
    )!;
    await p.advance(60_000);
    await p.sync([serviceEvent({ ...service, status: 'major_outage' }, 2, p.now)]);
    await p.render();

    const publish = (await p.status()).lastPublish!;
    const rendered = publish.rendered.map(pathOf).sort();
    expect(publish.documents).toBe(113);
    // Planned from the last plan and the one service changed: only the documents that may
    // read it were fingerprinted (the status page, the eight API documents, the badge, the
    // history and the pages of the incidents naming it); the others kept their tag.
    const naming = snapshot.incidents.filter((i) => i.serviceIds.includes(service.id));
    expect(publish.fingerprinted).toBe(11 + naming.length);
    // The status page and the JSON API (components, and every document's page.updated_at):
    // nothing else reads a service's status (the feeds' date is their newest entry's).
    expect(rendered).toEqual(
      [
        '/',
        '/api/v2/components.json',
        '/api/v2/incidents.json',
        '/api/v2/incidents/unresolved.json',
        '/api/v2/scheduled-maintenances.json',
        '/api/v2/scheduled-maintenances/active.json',
        '/api/v2/scheduled-maintenances/upcoming.json',
        '/api/v2/status.json',
        '/api/v2/summary.json',
      ].sort(),
    );
    expect(await expectKvIsFromScratch(p)).toBe(113);
  });

  it('renders the pages of the incidents that name a renamed service, and no other', async () => {
    const { p, snapshot } = await huge('page_huge_rename');
    const service = snapshot.services[7]!;
    const naming = snapshot.incidents.filter((i) => i.serviceIds.includes(service.id));
    expect(naming.length).toBeGreaterThan(0);
    await p.advance(60_000);
    await p.sync([serviceEvent({ ...service, name: 'Renamed service' }, 2, p.now)]);
    await p.render();

    const rendered = (await p.status()).lastPublish!.rendered.map(pathOf);
    expect(rendered.filter((path) => path.startsWith('/incidents/')).sort()).toEqual(
      naming.map((i) => `/incidents/${i.id}`).sort(),
    );
    expect(rendered).toContain('/');
    expect(rendered.length).toBeLessThan(113 - 100 + naming.length + 1);
    expect(await expectKvIsFromScratch(p)).toBe(113);
  });
});
