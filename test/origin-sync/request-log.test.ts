// Every core request is recorded, accepted or refused (docs/contract.md §3 GET /v1/requests).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signatureHeader } from '../../origin-sync/http/signature.ts';
import { openDatabase } from '../../origin-sync/store/database.ts';
import { type RecordedRequest, RequestLog, UNLINK_SQL } from '../../origin-sync/store/requests.ts';
import { incidentEvent, pageEvent } from '../support/events.ts';
import {
  type FakeEdgeRig,
  fakeEdgeRig,
  type RunningOriginSync,
  TEST_OPERATOR_TOKEN,
  TEST_SECRET,
} from '../support/origin-sync-in-process.ts';

interface Recorded {
  id: string;
  receivedAt: string;
  outcome: 'accepted' | 'refused';
  status: number;
  headers: Record<string, string>;
  body: string;
  bodyTruncated?: true;
  problem?: { title: string; errors?: { index?: number; path: string; pointer: string }[] };
  eventIds?: string[];
}

let origin: RunningOriginSync;
let rig: FakeEdgeRig;
const MAX_REFUSED = 20;

beforeAll(async () => {
  rig = await fakeEdgeRig();
  origin = await rig.start({ requestRetention: { maxRefused: MAX_REFUSED } });
});

afterAll(() => rig?.close());

async function post(body: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${origin.url}/v1/events`, {
    method: 'POST',
    body,
    headers: {
      'Content-Type': 'application/json',
      'X-Signature': signatureHeader(TEST_SECRET, body),
      ...headers,
    },
  });
}

async function requests(query = ''): Promise<{ requests: Recorded[]; explorer?: string }> {
  const res = await fetch(`${origin.url}/v1/requests${query}`, {
    headers: { Authorization: `Bearer ${TEST_OPERATOR_TOKEN}` },
  });
  expect(res.status).toBe(200);
  return (await res.json()) as { requests: Recorded[] };
}

describe('GET /v1/requests', () => {
  it('answers 401 problem+json without the operator token, naming nothing', async () => {
    await post(JSON.stringify({ events: [pageEvent({ id: 'secret_page', serviceIds: ['api'] })] }));
    for (const auth of [undefined, 'Bearer wrong-token-wrong-token-wrong', TEST_SECRET]) {
      const res = await fetch(`${origin.url}/v1/requests`, {
        headers: auth ? { Authorization: auth } : {},
      });
      expect(res.status).toBe(401);
      expect(res.headers.get('Content-Type')).toMatch(/problem\+json/);
      expect(await res.text()).not.toContain('secret_page');
    }
  });

  it('keeps an accepted batch with its event ids, headers (signature, never a secret) and body', async () => {
    const body = JSON.stringify({
      events: [
        pageEvent({ id: 'p_ok', serviceIds: ['api'] }),
        incidentEvent({ id: 'inc_ok', serviceIds: ['api'] }),
      ],
    });
    const res = await post(body, {
      Authorization: 'Bearer should-not-be-kept',
      'X-Core-Trace': 'abc',
    });
    expect(res.status).toBe(202);
    const requestId = res.headers.get('X-Request-Id');
    const { requests: list } = await requests('?outcome=accepted');
    const found = list.find((r) => r.id === requestId);
    expect(found).toBeDefined();
    expect(found?.status).toBe(202);
    expect(found?.body).toBe(body);
    expect(found?.eventIds).toEqual([expect.any(String), expect.any(String)]);
    expect(found?.headers['x-signature']).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(found?.headers['x-core-trace']).toBe('abc');
    expect(found?.headers.authorization).toBe('[redacted]');
    expect(JSON.stringify(found)).not.toContain(TEST_SECRET);
    expect(JSON.stringify(found)).not.toContain('should-not-be-kept');
  });

  it('keeps a batch refused for a missing field with the problem answered and the ids it named', async () => {
    const event = incidentEvent({ id: 'inc_missing', serviceIds: ['api'] }) as unknown as {
      data: Record<string, unknown>;
    };
    delete event.data.status;
    const body = JSON.stringify({ events: [event] });
    const res = await post(body);
    expect(res.status).toBe(400);
    const { requests: list } = await requests('?outcome=refused&limit=5');
    const found = list.find((r) => r.id === res.headers.get('X-Request-Id'));
    expect(found?.outcome).toBe('refused');
    expect(found?.body).toBe(body);
    expect(found?.problem?.title).toBe('Invalid events');
    expect(found?.problem?.errors?.[0]).toMatchObject({
      index: 0,
      path: 'data.status',
      pointer: '/events/0/data/status',
    });
    expect(found?.eventIds).toHaveLength(1);
  });

  it('keeps bad signatures and unsigned requests too, with their bodies', async () => {
    const body = JSON.stringify({ events: [pageEvent({ id: 'p_forged', serviceIds: ['api'] })] });
    const forged = await post(body, { 'X-Signature': 't=1,v1=00' });
    expect(forged.status).toBe(401);
    const unsigned = await fetch(`${origin.url}/v1/events`, {
      method: 'POST',
      body,
      headers: { 'Content-Type': 'application/json' },
    });
    expect(unsigned.status).toBe(401);
    const { requests: list } = await requests('?outcome=refused&limit=10');
    for (const res of [forged, unsigned]) {
      const found = list.find((r) => r.id === res.headers.get('X-Request-Id'));
      expect(found?.status).toBe(401);
      expect(found?.body).toBe(body);
    }
  });

  it('keeps the first 64 KiB of a body and says it was cut', async () => {
    const body = JSON.stringify({ events: [], pad: 'x'.repeat(100_000) });
    const res = await post(body);
    expect(res.status).toBe(400);
    const { requests: list } = await requests('?outcome=refused&limit=1');
    expect(list[0]?.id).toBe(res.headers.get('X-Request-Id'));
    expect(new TextEncoder().encode(list[0]?.body).byteLength).toBe(64 * 1024);
    expect(list[0]?.bodyTruncated).toBe(true);
  });

  it('a flood of refused requests does not push accepted history out', async () => {
    const before = (await requests('?outcome=accepted&limit=1000')).requests.map((r) => r.id);
    expect(before.length).toBeGreaterThanOrEqual(2);
    for (let i = 0; i < MAX_REFUSED * 3; i++) await post('{"events": "nope"}');
    const after = (await requests('?outcome=accepted&limit=1000')).requests.map((r) => r.id);
    expect(after).toEqual(before);
    const refused = (await requests('?outcome=refused&limit=1000')).requests;
    expect(refused.length).toBe(MAX_REFUSED);
    // Newest first, and the newest are the ones kept.
    expect(refused[0]?.body).toBe('{"events": "nope"}');
  });

  it('lists newest first, links to its explorer page, and refuses a bad query with 400', async () => {
    const all = await requests('?limit=3');
    expect(all.requests).toHaveLength(3);
    const times = all.requests.map((r) => Date.parse(r.receivedAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect(all.explorer).toBe('/explorer/requests?limit=3');
    const bad = await fetch(`${origin.url}/v1/requests?outcome=maybe`, {
      headers: { Authorization: `Bearer ${TEST_OPERATOR_TOKEN}` },
    });
    expect(bad.status).toBe(400);
  });
});

/** A request as the HTTP layer records it, received at `at`. */
function recorded(
  id: string,
  outcome: 'accepted' | 'refused',
  at: number,
  rest: Pick<RecordedRequest, 'body'> & Partial<RecordedRequest>,
): RecordedRequest {
  return {
    id,
    receivedAt: new Date(at).toISOString(),
    outcome,
    status: outcome === 'accepted' ? 202 : 400,
    headers: {},
    ...rest,
  };
}

describe('request retention', () => {
  it('past the byte budget forgets refused requests first, accepted ones only after', async () => {
    const where = await mkdtemp(join(tmpdir(), 'esp-request-budget-'));
    const db = openDatabase(where);
    try {
      const log = new RequestLog(db, { maxAgeMs: 86_400_000 });
      const now = Date.now();
      const record = (id: string, outcome: 'accepted' | 'refused', at: number) =>
        log.record(recorded(id, outcome, at, { body: 'x'.repeat(4096) }));
      record('old_accepted', 'accepted', now - 3 * 3_600_000);
      for (let i = 0; i < 50; i++) record(`refused_${i}`, 'refused', now - 60_000);
      record('new_accepted', 'accepted', now);
      // Within budget and age: nothing goes.
      expect(log.prune(now)).toBe(0);
      // Over budget: every refused one goes before any accepted one.
      log.prune(now, 1);
      expect(log.list({ limit: 100, outcome: 'refused' })).toEqual([]);
      expect(log.list({ limit: 100, outcome: 'accepted' }).map((r) => r.id)).toEqual([
        'new_accepted',
        'old_accepted',
      ]);
      // Still over: then the oldest accepted hour.
      log.prune(now, 1);
      expect(log.list({ limit: 100 }).map((r) => r.id)).toEqual(['new_accepted']);
      // Past the age limit, whatever the budget.
      expect(log.prune(now + 2 * 86_400_000)).toBe(1);
    } finally {
      db.close();
      await rm(where, { recursive: true, force: true });
    }
  });

  it('takes a removed request’s event links with it, by their key, and leaves the others', async () => {
    const where = await mkdtemp(join(tmpdir(), 'esp-request-links-'));
    const db = openDatabase(where);
    try {
      const log = new RequestLog(db, { maxAgeMs: 86_400_000, maxRefused: 1 });
      const now = Date.now();
      const record = (id: string, outcome: 'accepted' | 'refused', at: number, ids: string[]) =>
        log.record(recorded(id, outcome, at, { body: '{}', eventIds: ids }));
      record('old', 'accepted', now - 2 * 86_400_000, ['e1', 'e2']);
      record('new', 'accepted', now, ['e2', 'e3']);
      record('refused_1', 'refused', now, ['e4']);
      // The cap on refused requests (1) removes the first as the second is recorded.
      record('refused_2', 'refused', now, ['e4', 'e5']);
      const links = () =>
        db.prepare('SELECT event_id, request_seq FROM request_events ORDER BY 1, 2').all();
      expect(links()).toHaveLength(6);
      expect(log.prune(now)).toBe(1);
      const ids = (eventId: string) => log.list({ limit: 10, eventId }).map((r) => r.id);
      expect(ids('e1')).toEqual([]);
      expect(ids('e2')).toEqual(['new']);
      expect(ids('e4')).toEqual(['refused_2']);
      expect(links()).toHaveLength(4);
      // Each link goes by a seek on its key, not a look at every link there is.
      const plan = (
        db.prepare(`EXPLAIN QUERY PLAN ${UNLINK_SQL}`).all() as { detail: string }[]
      ).map((r) => r.detail);
      expect(plan[0]).toMatch(/^SEARCH request_events USING PRIMARY KEY/);
    } finally {
      db.close();
      await rm(where, { recursive: true, force: true });
    }
  });
});
