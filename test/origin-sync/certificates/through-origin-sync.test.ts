// The certificate updater wired into origin-sync, driven only through origin-sync's HTTP API:
// signed core events in, GET /v1/pages/:id/domains, the event explorer and /healthz out;
// Cloudflare is the local stand-in, the edge the contract-faithful fake.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createCertificateExtension,
  type DomainView,
  type PageDomains,
} from '../../../origin-sync/certificates/index.ts';
import type { EventTrace } from '../../../origin-sync/store/trace.ts';
import { postCoreEvents } from '../../../scripts/lib/core-client.ts';
import type { CoreEvent } from '../../../worker/domain/schema.ts';
import {
  type CloudflareStandin,
  startCloudflareStandin,
  WALK_TO_VALIDATION_TIMEOUT,
} from '../../support/cloudflare-standin.ts';
import { deletedEvent, pageEvent } from '../../support/events.ts';
import { type FakeEdge, startFakeEdge } from '../../support/fake-edge.ts';
import {
  AS_OPERATOR,
  type RunningOriginSync,
  startOriginSync,
  syncKeyPair,
  TEST_SECRET,
} from '../../support/origin-sync-in-process.ts';
import { waitFor } from '../../support/wait.ts';
import { FAST } from './support.ts';

let standin: CloudflareStandin;
let edge: FakeEdge;
let origin: RunningOriginSync;
let dir: string;

beforeAll(async () => {
  standin = await startCloudflareStandin();
  const keys = await syncKeyPair();
  edge = await startFakeEdge(keys.publicKey);
  dir = await mkdtemp(join(tmpdir(), 'esp-certificates-'));
  const certificates = createCertificateExtension({
    config: {
      enabled: true,
      baseUrl: standin.baseUrl,
      zoneId: standin.zoneId,
      apiToken: standin.token,
      sslMethod: 'txt',
    },
    stateDir: dir,
    timing: FAST,
  });
  origin = await startOriginSync({
    dir: join(dir, 'origin-sync'),
    workerUrl: edge.url,
    syncPrivateKey: keys.privateKey,
    extensions: [certificates],
  });
});

afterAll(async () => {
  await origin?.stop();
  await edge?.close();
  await standin?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function send(...events: CoreEvent[]): Promise<void> {
  const res = await postCoreEvents({ url: origin.url, secret: TEST_SECRET }, events);
  expect(res.status).toBe(202);
}

async function domains(pageId: string): Promise<{ status: number; body: PageDomains }> {
  const res = await fetch(`${origin.url}/v1/pages/${pageId}/domains`, AS_OPERATOR);
  return { status: res.status, body: (await res.json()) as PageDomains };
}

async function domainOf(pageId: string, hostname: string): Promise<DomainView | undefined> {
  const { body } = await domains(pageId);
  return body.domains?.find((d) => d.hostname === hostname);
}

async function until(pageId: string, hostname: string, state: string): Promise<DomainView> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const d = await domainOf(pageId, hostname);
    if (d?.state === state) return d;
    if (Date.now() > deadline) throw new Error(`${hostname} never ${state} (${JSON.stringify(d)})`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('custom hostnames through origin-sync', () => {
  const host = 'status.through.com';

  it('provisions a page hostname to active, with the steps under the page event', async () => {
    const upsert = pageEvent({ id: 'page_a', serviceIds: [], hostnames: [host] });
    await send(upsert);
    const active = await until('page_a', host, 'active');
    expect(active).toMatchObject({ hostnameStatus: 'active', certificateStatus: 'active' });
    expect(standin.requests.find((r) => r.method === 'POST')?.body).toEqual({
      hostname: host,
      ssl: { method: 'txt', type: 'dv' },
      // Marked as ours: only marked custom hostnames are ever adopted or deleted.
      custom_metadata: { managed_by: 'edge-status-pages', page_id: 'page_a' },
    });

    const trace = (await (
      await fetch(`${origin.url}/v1/events/${upsert.id}`, AS_OPERATOR)
    ).json()) as EventTrace;
    const certificateSteps = trace.steps.filter((s) => s.step === 'certificate');
    expect(certificateSteps.map((s) => s.detail)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(`^${host}: created: custom hostname`),
        expect.stringMatching(`^${host}: active: `),
      ]),
    );
    expect(certificateSteps.every((s) => s.pageId === 'page_a')).toBe(true);

    const health = (await (await fetch(`${origin.url}/healthz`)).json()) as Record<string, unknown>;
    expect(health.certificates).toMatchObject({ enabled: true, states: { active: 1 } });
  });

  it('moves the hostname to another page without touching the certificate', async () => {
    const id = standin.entry(host)?.id;
    await send(
      pageEvent({ id: 'page_b', serviceIds: [], hostnames: [host] }),
      pageEvent({ id: 'page_a', serviceIds: [], hostnames: [] }, 2),
    );
    await waitFor(async () => (await domains('page_a')).body.domains.length === 0, {
      what: 'off page A',
    });
    expect(await domainOf('page_b', host)).toMatchObject({ state: 'active', customHostnameId: id });
    await new Promise((r) => setTimeout(r, FAST.removalGraceMs * 4));
    expect(standin.count('DELETE')).toBe(0);
    expect(standin.count('POST')).toBe(1);
  });

  it('restarts a failed validation when the core sends the page again, unchanged', async () => {
    const stalled = 'status.stalled.com';
    standin.script(stalled, WALK_TO_VALIDATION_TIMEOUT);
    await send(pageEvent({ id: 'page_c', serviceIds: [], hostnames: [stalled] }));
    const failed = await until('page_c', stalled, 'failed');
    expect(failed.lastError?.message).toContain('validation_timed_out');
    await send(pageEvent({ id: 'page_c', serviceIds: [], hostnames: [stalled] }, 2));
    await until('page_c', stalled, 'active');
    expect(standin.count('PATCH')).toBe(1);
  });

  it('deletes the custom hostname when the page is deleted, and 404s unknown pages', async () => {
    await send(deletedEvent('status_page.deleted', 'page_b', 2));
    await waitFor(() => !standin.hostnames().includes(host), { what: 'deletion at Cloudflare' });
    expect(standin.count('DELETE')).toBe(1);
    expect((await domains('page_b')).body.domains).toEqual([]);
    const unknown = await fetch(`${origin.url}/v1/pages/page_nobody/domains`, AS_OPERATOR);
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('Content-Type')).toBe('application/problem+json');
  });
});
