import { describe, expect, it } from 'vitest';
import { DEMO_HOST, demoEvents } from '../../scripts/lib/demo-events.ts';
import { serviceLayout } from '../../worker/domain/layout.ts';
import type { Incident, Maintenance, StatusPage } from '../../worker/domain/schema.ts';
import type { PageSnapshot } from '../../worker/domain/snapshot.ts';
import { API_PATHS } from '../../worker/domain/visitor-paths.ts';
import { statuspageDocuments } from '../../worker/render/api/statuspage.ts';
import { type RenderedDocument, renderVariant } from '../../worker/render/documents.ts';
import { snapshotFromEvents } from '../support/snapshot-from-events.ts';
import {
  type ComponentsDocT,
  ENVELOPES,
  type IncidentsDocT,
  type MaintenancesDocT,
  type SummaryDoc,
} from '../support/statuspage-model.ts';

const now = new Date('2026-11-21T17:00:00Z');
const demo = () => snapshotFromEvents(demoEvents({ now }), 'page_demo');

async function render(snapshot: PageSnapshot, at = now, variant = 'public') {
  const docs = await renderVariant(snapshot, variant, at);
  return new Map(docs.map((d) => [d.path, d]));
}

/** The document's body, checked against Statuspage's model of that endpoint. */
function api<T>(docs: Map<string, RenderedDocument>, path: keyof typeof ENVELOPES): T {
  const doc = docs.get(path);
  expect(doc, path).toBeDefined();
  expect(doc!.contentType).toBe('application/json; charset=utf-8');
  return ENVELOPES[path].parse(JSON.parse(doc!.body)) as T;
}

const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

function quietPage(extra: Partial<StatusPage> = {}): PageSnapshot {
  return {
    page: {
      id: 'p1',
      name: 'Quiet',
      hostnames: ['status.quiet.example'],
      visibility: 'public',
      serviceIds: ['a', 'b'],
      ...extra,
    },
    services: [
      { id: 'a', name: 'Alpha', status: 'operational' },
      { id: 'b', name: 'Beta', status: 'operational' },
    ],
    incidents: [],
    maintenances: [],
    uptime: [],
  };
}

function window(id: string, fromMs: number, untilMs: number, status: Maintenance['status']) {
  return {
    id,
    name: `Window ${id}`,
    status,
    serviceIds: ['a'],
    scheduledFor: iso(fromMs),
    scheduledUntil: iso(untilMs),
    updates: [
      {
        id: `${id}_u1`,
        status: 'scheduled' as const,
        body: 'Planned.',
        createdAt: iso(fromMs - 24 * HOUR),
      },
    ],
  } satisfies Maintenance;
}

describe('Statuspage API v2 documents', () => {
  it('renders every /api/v2 path of docs/contract.md §2, each matching Statuspage’s model', async () => {
    const docs = await render(demo());
    for (const path of API_PATHS) api(docs, path);
  });

  it('reports the demo page as Statuspage would: page, indicator, components, incidents', async () => {
    const summary = api<SummaryDoc>(await render(demo()), '/api/v2/summary.json');
    expect(summary.page).toEqual({
      id: 'page_demo',
      name: 'Acme Cloud',
      url: `https://${DEMO_HOST}`,
      time_zone: 'Europe/Paris',
      updated_at: '2026-11-21T18:00:00.000+01:00',
    });
    // A partial outage and an unresolved major incident: "major", in Statuspage's words.
    expect(summary.status).toEqual({ indicator: 'major', description: 'Partial System Outage' });
    expect(summary.components.filter((c) => !c.group)).toHaveLength(9);
    expect(summary.components.filter((c) => c.group).map((c) => c.name)).toEqual([
      'Core platform',
      'Data',
      'Delivery',
    ]);
    expect(summary.incidents.map((i) => i.id)).toEqual(['inc_api_errors']);
    expect(summary.scheduled_maintenances.map((m) => m.id)).toEqual(['mnt_db_upgrade']);
  });

  it('lists components in the page’s display order, groups with their children', async () => {
    const snapshot = demo();
    const { components } = api<ComponentsDocT>(await render(snapshot), '/api/v2/components.json');
    expect(components.map((c) => c.position)).toEqual(components.map((_, i) => i + 1));
    const htmlOrder = serviceLayout(snapshot).flatMap((s) => s.services.map((x) => x.id));
    expect(components.filter((c) => !c.group).map((c) => c.id)).toEqual(htmlOrder);

    const core = components.find((c) => c.id === 'grp_core')!;
    expect(core).toMatchObject({ group: true, group_id: null, status: 'partial_outage' });
    expect(core.components).toEqual(['svc_api', 'svc_dashboard', 'svc_auth']);
    for (const id of core.components!) {
      expect(components.find((c) => c.id === id)).toMatchObject({ group_id: 'grp_core' });
    }
    const api_ = components.find((c) => c.id === 'svc_api')!;
    expect(api_).toMatchObject({
      name: 'Public API',
      status: 'partial_outage',
      description: 'REST and GraphQL endpoints',
      page_id: 'page_demo',
      showcase: true,
      only_show_if_degraded: false,
    });
    expect(components.find((c) => c.id === 'svc_db')!.description).toBeNull();
  });

  it('puts ungrouped services first, as the HTML does', async () => {
    const snapshot = quietPage({ groups: [{ id: 'g', name: 'Group', serviceIds: ['b'] }] });
    const { components } = api<ComponentsDocT>(await render(snapshot), '/api/v2/components.json');
    expect(components.map((c) => [c.id, c.position, c.group_id])).toEqual([
      ['a', 1, null],
      ['g', 2, null],
      ['b', 3, 'g'],
    ]);
  });

  it('gives incidents Statuspage’s fields: timeline newest first, monitoring and resolution times', async () => {
    const docs = await render(demo());
    const { incidents } = api<IncidentsDocT>(docs, '/api/v2/incidents.json');
    expect(incidents.map((i) => i.id)).toEqual([
      'inc_api_errors',
      'inc_login',
      'inc_search',
      'inc_storage',
      'inc_email',
    ]);
    const live = incidents[0]!;
    expect(live).toMatchObject({
      status: 'monitoring',
      impact: 'major',
      created_at: '2026-11-21T16:25:00.000+01:00',
      started_at: '2026-11-21T16:25:00.000+01:00',
      updated_at: '2026-11-21T17:45:00.000+01:00',
      monitoring_at: '2026-11-21T17:45:00.000+01:00',
      resolved_at: null,
      shortlink: `https://${DEMO_HOST}/incidents/inc_api_errors`,
      page_id: 'page_demo',
    });
    expect(live.incident_updates.map((u) => [u.id, u.status])).toEqual([
      ['upd_3', 'monitoring'],
      ['upd_2', 'identified'],
      ['upd_1', 'investigating'],
    ]);
    expect(live.incident_updates[0]).toMatchObject({
      incident_id: 'inc_api_errors',
      display_at: '2026-11-21T17:45:00.000+01:00',
    });
    expect(live.components.map((c) => c.id)).toEqual(['svc_api', 'svc_webhooks']);
    const storage = incidents.find((i) => i.id === 'inc_storage')!;
    expect(storage).toMatchObject({ status: 'resolved', impact: 'critical' });
    expect(Date.parse(storage.resolved_at!) - Date.parse(storage.created_at)).toBe(74 * 60_000);

    const unresolved = api<IncidentsDocT>(docs, '/api/v2/incidents/unresolved.json');
    expect(unresolved.incidents).toEqual([live]);
  });

  it('keeps the 50 most recent incidents in incidents.json, resolved ones included', async () => {
    const snapshot = quietPage();
    snapshot.incidents = Array.from({ length: 60 }, (_, n) => ({
      id: `i${n}`,
      name: `Incident ${n}`,
      status: n === 59 ? 'investigating' : 'resolved',
      impact: 'minor',
      serviceIds: ['a'],
      createdAt: iso(now.getTime() - (60 - n) * HOUR),
      updates: [],
    })) satisfies Incident[];
    const { incidents } = api<IncidentsDocT>(await render(snapshot), '/api/v2/incidents.json');
    expect(incidents).toHaveLength(50);
    expect(incidents[0]!.id).toBe('i59');
    expect(incidents.at(-1)!.id).toBe('i10');
  });

  it('moves a maintenance window from upcoming to active to completed as the clock passes', async () => {
    const start = now.getTime() + HOUR;
    const snapshot = quietPage({ timeZone: 'America/New_York' });
    snapshot.maintenances = [window('w', start, start + 2 * HOUR, 'scheduled')];
    const at = async (ms: number) => {
      const docs = await render(snapshot, new Date(ms));
      return {
        upcoming: api<MaintenancesDocT>(docs, '/api/v2/scheduled-maintenances/upcoming.json'),
        active: api<MaintenancesDocT>(docs, '/api/v2/scheduled-maintenances/active.json'),
        all: api<MaintenancesDocT>(docs, '/api/v2/scheduled-maintenances.json'),
        summary: api<SummaryDoc>(docs, '/api/v2/summary.json'),
      };
    };

    const before = await at(now.getTime());
    expect(before.upcoming.scheduled_maintenances.map((m) => m.id)).toEqual(['w']);
    expect(before.active.scheduled_maintenances).toEqual([]);
    expect(before.upcoming.scheduled_maintenances[0]).toMatchObject({
      status: 'scheduled',
      impact: 'maintenance',
      scheduled_for: '2026-11-21T13:00:00.000-05:00',
      scheduled_until: '2026-11-21T15:00:00.000-05:00',
      resolved_at: null,
    });
    expect(before.summary.status).toEqual({
      indicator: 'none',
      description: 'All Systems Operational',
    });

    const during = await at(start + HOUR);
    expect(during.upcoming.scheduled_maintenances).toEqual([]);
    expect(during.active.scheduled_maintenances[0]).toMatchObject({
      id: 'w',
      status: 'in_progress',
    });
    expect(during.summary.scheduled_maintenances.map((m) => m.id)).toEqual(['w']);
    expect(during.summary.status).toEqual({
      indicator: 'none',
      description: 'Service Under Maintenance',
    });
    // The clock opened the window: that is the page's latest change.
    expect(Date.parse(during.summary.page.updated_at)).toBe(start);

    const after = await at(start + 3 * HOUR);
    expect(after.active.scheduled_maintenances).toEqual([]);
    expect(after.summary.scheduled_maintenances).toEqual([]);
    expect(after.all.scheduled_maintenances[0]).toMatchObject({ id: 'w', status: 'completed' });
    expect(Date.parse(after.all.scheduled_maintenances[0]!.resolved_at!)).toBe(start + 2 * HOUR);
  });

  it('writes times in the page’s zone with its offset, and UTC when the page names none', async () => {
    const paris = api<SummaryDoc>(await render(demo()), '/api/v2/summary.json');
    expect(paris.incidents[0]!.created_at).toMatch(/\+01:00$/);
    const snapshot = quietPage();
    snapshot.times = {
      page: { createdAt: iso(now.getTime() - HOUR), updatedAt: iso(now.getTime() - HOUR) },
    };
    const utc = api<SummaryDoc>(await render(snapshot), '/api/v2/summary.json');
    expect(utc.page.time_zone).toBe('UTC');
    expect(utc.page.updated_at).toBe('2026-11-21T16:00:00.000Z');
  });

  it('changes no byte when nothing changed: shuffled input, a later clock', async () => {
    const a = demo();
    const b = demo();
    b.services.reverse();
    b.incidents.reverse();
    for (const i of b.incidents) i.updates.reverse();
    b.uptime.reverse();
    const first = await render(a);
    const shuffled = await render(b);
    const later = await render(a, new Date(now.getTime() + 60_000));
    for (const path of [...API_PATHS, '/history.atom', '/history.rss', '/badge.svg']) {
      expect(shuffled.get(path)!.body, path).toBe(first.get(path)!.body);
      // The same data a minute later keeps its tag too (its tag is a fingerprint of what it
      // reads, in the order the coordinator reads it: shuffled input may get another tag).
      expect(later.get(path)!.body, path).toBe(first.get(path)!.body);
      expect(later.get(path)!.etag, path).toBe(first.get(path)!.etag);
    }
  });

  it('shows an audience only its services and the incidents touching them', async () => {
    const snapshot = demo();
    snapshot.page = {
      ...snapshot.page,
      visibility: 'audience',
      audiences: [{ id: 'silver', name: 'Silver', serviceIds: ['svc_dashboard', 'svc_email'] }],
    };
    const docs = await render(snapshot, now, 'audience:silver');
    const summary = api<SummaryDoc>(docs, '/api/v2/summary.json');
    expect(summary.components.filter((c) => !c.group).map((c) => c.id)).toEqual([
      'svc_dashboard',
      'svc_email',
    ]);
    expect(summary.status.indicator).toBe('none');
    const { incidents } = api<IncidentsDocT>(docs, '/api/v2/incidents.json');
    expect(incidents.map((i) => i.id)).toEqual(['inc_email']);
    for (const path of API_PATHS) {
      const body = docs.get(path)!.body;
      for (const hidden of ['Public API', 'svc_api', 'Webhooks', 'Elevated API error rates']) {
        expect(body, `${path} leaks ${hidden}`).not.toContain(hidden);
      }
    }
  });

  it('keeps customer text inert: no raw markup in the JSON, yet the text round-trips exactly', async () => {
    const xss = `</script><script>alert(1)</script>&amp;\u2028"'`;
    const snapshot = quietPage({ name: `Evil ${xss}` });
    snapshot.services[0]!.name = `A ${xss}`;
    snapshot.incidents = [
      {
        id: 'x',
        name: `I ${xss}`,
        status: 'investigating',
        impact: 'minor',
        serviceIds: ['a'],
        createdAt: iso(now.getTime() - HOUR),
        updates: [
          {
            id: 'u',
            status: 'investigating',
            body: `B ${xss}`,
            createdAt: iso(now.getTime() - HOUR),
          },
        ],
      },
    ];
    const docs = await render(snapshot);
    for (const path of API_PATHS) {
      const body = docs.get(path)!.body;
      expect(body).not.toMatch(/[<>\u2028]/);
      expect(body).not.toContain('&amp;');
    }
    const summary = api<SummaryDoc>(docs, '/api/v2/summary.json');
    expect(summary.page.name).toBe(`Evil ${xss}`);
    expect(summary.incidents[0]!.incident_updates[0]!.body).toBe(`B ${xss}`);
  });

  it('turns each document into bytes piecewise, byte for byte its text encoded', async () => {
    // Non-ASCII and markup in every kind of piece: page, components, incidents, windows.
    const odd = `Zürich — 東京 </script>&\u2028 🚀`;
    const snapshot = demo();
    snapshot.page.name = odd;
    snapshot.services[0]!.name = odd;
    snapshot.incidents[0]!.updates[0]!.body = odd;
    snapshot.maintenances[0]!.name = odd;
    const encoder = new TextEncoder();
    const docs = statuspageDocuments(snapshot, now);
    expect(docs.map((d) => d.path).sort()).toEqual([...API_PATHS].sort());
    for (const doc of docs) {
      expect(doc.body, doc.path).toContain('Zürich');
      expect(doc.bytes(), doc.path).toEqual(encoder.encode(doc.body));
    }
  });
});
