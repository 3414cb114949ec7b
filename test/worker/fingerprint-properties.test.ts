// A document's ETag is a fingerprint of what it reads, worked out before rendering (the
// coordinator skips documents whose tag did not change). The rule it must keep: whenever a
// document's bytes change, its tag changes. Random changes of every kind a page sees (core
// events, the clock, an audience's view) are rendered before and after, in full; no document
// may come out with new bytes under its old tag.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { demoEvents } from '../../scripts/lib/demo-events.ts';
import type {
  Impact,
  IncidentStatus,
  MaintenanceStatus,
  ServiceStatus,
} from '../../worker/domain/schema.ts';
import type { PageSnapshot } from '../../worker/domain/snapshot.ts';
import { renderVariant } from '../../worker/render/documents.ts';
import { forgetRenderMemos } from '../../worker/render/memo.ts';
import { hostileName, hostileText } from '../support/arbitraries.ts';
import { snapshotFromEvents } from '../support/snapshot-from-events.ts';

const now = new Date('2026-11-21T17:00:00Z');
const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

const SERVICE_STATUSES: ServiceStatus[] = [
  'operational',
  'degraded_performance',
  'partial_outage',
  'major_outage',
  'under_maintenance',
];
const INCIDENT_STATUSES: IncidentStatus[] = [
  'investigating',
  'identified',
  'monitoring',
  'resolved',
  'postmortem',
];
const MAINTENANCE_STATUSES: MaintenanceStatus[] = [
  'scheduled',
  'in_progress',
  'verifying',
  'completed',
];
const IMPACTS: Impact[] = ['none', 'minor', 'major', 'critical'];
const ZONES = ['UTC', 'Europe/Paris', 'America/New_York', 'Asia/Tokyo'];
const LOCALES = ['en-US', 'en-GB', 'de-DE', 'ja-JP'];

const KINDS = [
  'service status',
  'service name',
  'service description',
  'service leaves the page',
  'service order',
  'group name',
  'uptime day',
  'uptime day removed',
  'incident name',
  'incident status',
  'incident impact',
  'incident services',
  'incident update',
  'incident update body',
  'incident resolved',
  'incident removed',
  'maintenance status',
  'maintenance window',
  'maintenance update',
  'page name',
  'page locale',
  'page zone',
  'page accent',
  'page theme',
  'page links',
  'page hostname',
  'service times',
  'page times',
  'clock',
] as const;

/** One change of a kind, with random numbers and text the change picks from. */
const changeOf = (kinds: fc.Arbitrary<(typeof KINDS)[number]>) =>
  fc.record({
    kind: kinds,
    n: fc.nat({ max: 1000 }),
    m: fc.nat({ max: 1000 }),
    text: hostileName,
    body: hostileText(200),
    ms: fc.integer({ min: 1, max: 4 * 24 * HOUR }),
  });
const change = changeOf(fc.constantFrom(...KINDS));
type Change = typeof change extends fc.Arbitrary<infer T> ? T : never;

function pick<T>(items: readonly T[], n: number): T | undefined {
  return items.length ? items[n % items.length] : undefined;
}

/** Applies a change to a copy of the snapshot; returns the copy and the clock after it. */
function apply(base: PageSnapshot, at: Date, c: Change): { snapshot: PageSnapshot; at: Date } {
  const s = structuredClone(base);
  const service = pick(s.services, c.n);
  const incident = pick(s.incidents, c.n);
  const maintenance = pick(s.maintenances, c.n);
  switch (c.kind) {
    case 'service status':
      if (service) service.status = pick(SERVICE_STATUSES, c.m)!;
      break;
    case 'service name':
      if (service) service.name = c.text;
      break;
    case 'service description':
      if (service) service.description = c.m % 3 === 0 ? undefined : c.body;
      break;
    case 'service leaves the page':
      if (service) s.page.serviceIds = s.page.serviceIds.filter((id) => id !== service.id);
      break;
    case 'service order':
      s.page.serviceIds = [...s.page.serviceIds].reverse();
      break;
    case 'group name': {
      const group = pick(s.page.groups ?? [], c.n);
      if (group) group.name = c.text;
      break;
    }
    case 'uptime day': {
      const day = iso(at.getTime() - (c.m % 95) * 24 * HOUR).slice(0, 10);
      const serviceId = service?.id ?? 'svc_api';
      s.uptime = s.uptime.filter((u) => !(u.serviceId === serviceId && u.date === day));
      s.uptime.push({
        serviceId,
        date: day,
        partialOutageSeconds: (c.n * 37) % 7000,
        majorOutageSeconds: c.m % 2 ? (c.n * 11) % 3000 : 0,
      });
      break;
    }
    case 'uptime day removed':
      s.uptime.splice(c.n % Math.max(1, s.uptime.length), 1);
      break;
    case 'incident name':
      if (incident) incident.name = c.text;
      break;
    case 'incident status':
      if (incident) incident.status = pick(INCIDENT_STATUSES, c.m)!;
      break;
    case 'incident impact':
      if (incident) incident.impact = pick(IMPACTS, c.m)!;
      break;
    case 'incident services':
      if (incident) incident.serviceIds = [pick(s.page.serviceIds, c.m) ?? 'svc_api'];
      break;
    case 'incident update':
      incident?.updates.push({
        id: `u_${c.m}_${c.n}`,
        status: pick(INCIDENT_STATUSES, c.m)!,
        body: c.body,
        createdAt: iso(at.getTime() - (c.m % 48) * HOUR),
      });
      break;
    case 'incident update body': {
      const update = incident && pick(incident.updates, c.m);
      if (update) update.body = c.body;
      break;
    }
    case 'incident resolved':
      if (incident) {
        incident.status = 'resolved';
        incident.resolvedAt = iso(at.getTime() - (c.m % 400) * HOUR);
      }
      break;
    case 'incident removed':
      s.incidents.splice(c.n % Math.max(1, s.incidents.length), 1);
      break;
    case 'maintenance status':
      if (maintenance) maintenance.status = pick(MAINTENANCE_STATUSES, c.m)!;
      break;
    case 'maintenance window':
      if (maintenance) {
        const from = at.getTime() + ((c.m % 9) - 4) * HOUR;
        maintenance.scheduledFor = iso(from);
        maintenance.scheduledUntil = iso(from + (1 + (c.n % 5)) * HOUR);
      }
      break;
    case 'maintenance update':
      maintenance?.updates.push({
        id: `mu_${c.m}_${c.n}`,
        status: pick(MAINTENANCE_STATUSES, c.m)!,
        body: c.body,
        createdAt: iso(at.getTime() - (c.m % 24) * HOUR),
      });
      break;
    case 'page name':
      s.page.name = c.text;
      break;
    case 'page locale':
      s.page.locale = pick(LOCALES, c.m);
      break;
    case 'page zone':
      s.page.timeZone = pick(ZONES, c.m);
      break;
    case 'page accent':
      s.page.branding = {
        ...s.page.branding,
        accentColor: `#${(c.n * 9973).toString(16).padStart(6, '0').slice(-6)}`,
      };
      break;
    case 'page theme':
      s.page.branding = {
        ...s.page.branding,
        theme: pick(['light', 'dark', 'auto'] as const, c.m)!,
      };
      break;
    case 'page links':
      s.page.supportUrl = c.m % 2 ? `https://help.example.com/${c.n}` : undefined;
      s.page.branding = { ...s.page.branding, logoUrl: `https://cdn.example.com/${c.m}.png` };
      break;
    case 'page hostname':
      s.page.hostnames = [`status${c.n}.example.com`, ...s.page.hostnames];
      break;
    case 'service times':
      if (service && s.times?.services) {
        const t = s.times.services[service.id];
        s.times.services[service.id] = {
          createdAt: t?.createdAt ?? iso(at.getTime() - 400 * HOUR),
          updatedAt: iso(at.getTime() - (c.m % 100) * HOUR),
        };
      }
      break;
    case 'page times':
      if (s.times) s.times.page = { createdAt: iso(0), updatedAt: iso(at.getTime() - c.m * 1000) };
      break;
    case 'clock':
      return { snapshot: s, at: new Date(at.getTime() + c.ms) };
  }
  return { snapshot: s, at };
}

async function render(snapshot: PageSnapshot, variant: string, at: Date) {
  return new Map((await renderVariant(snapshot, variant, at)).map((d) => [d.path, d]));
}

const demo = () => {
  const s = snapshotFromEvents(demoEvents({ now }), 'page_demo');
  // An audience, so that the audience variant's slice is checked too.
  s.page.audiences = [{ id: 'ops', name: 'Ops', serviceIds: ['svc_api', 'svc_db', 'svc_cdn'] }];
  return s;
};

/** Renders before and after; checks every document that changed bytes changed its tag. */
async function check(
  base: PageSnapshot,
  changes: readonly Change[],
  clock: number,
  warm: boolean,
  variant: string,
  seen: { changed: number; kept: number },
): Promise<void> {
  let after = { snapshot: base, at: new Date(now.getTime() + clock) };
  for (const c of changes) after = apply(after.snapshot, after.at, c);
  const what = [`clock +${clock} ms`, ...changes.map((c) => c.kind)].join(', ');
  // With and without what the isolate remembers from earlier renders.
  if (!warm) forgetRenderMemos();
  const before = await render(base, variant, now);
  if (!warm) forgetRenderMemos();
  const docs = await render(after.snapshot, variant, after.at);
  for (const [path, doc] of docs) {
    const old = before.get(path);
    if (!old) continue;
    if (doc.body !== old.body) {
      seen.changed += 1;
      expect(doc.etag, `${path} after ${what}`).not.toBe(old.etag);
    } else if (doc.etag === old.etag) seen.kept += 1;
  }
  // What the isolate remembers is a pure cache: a fresh isolate renders the same.
  forgetRenderMemos();
  const fresh = await render(after.snapshot, variant, after.at);
  for (const [path, doc] of docs) {
    expect(fresh.get(path)?.body, `${path} from memory after ${what}`).toBe(doc.body);
    expect(fresh.get(path)?.etag, `${path} from memory after ${what}`).toBe(doc.etag);
  }
}

const clockMoves = fc.oneof(
  fc.constant(0),
  fc.integer({ min: 1, max: HOUR }),
  fc.integer({ min: 1, max: 4 * 24 * HOUR }),
);

describe('document ETags as fingerprints of their inputs', () => {
  const base = demo();

  it('change whenever the bytes change: each kind of change', async () => {
    const seen = { changed: 0, kept: 0 };
    for (const kind of KINDS) {
      await fc.assert(
        fc.asyncProperty(
          changeOf(fc.constant(kind)),
          // The clock moves between any two renders: not at all, minutes, or days.
          clockMoves,
          fc.boolean(),
          fc.constantFrom('public', 'audience:ops'),
          (c, clock, warm, variant) => check(base, [c], clock, warm, variant, seen),
        ),
        { numRuns: 12 },
      );
    }
    // The property had something to bite on, both ways.
    expect(seen.changed).toBeGreaterThan(100);
    expect(seen.kept).toBeGreaterThan(100);
  });

  it('change whenever the bytes change: several changes at once', async () => {
    const seen = { changed: 0, kept: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.array(change, { minLength: 2, maxLength: 4 }),
        clockMoves,
        fc.boolean(),
        fc.constantFrom('public', 'audience:ops'),
        (changes, clock, warm, variant) => check(base, changes, clock, warm, variant, seen),
      ),
      { numRuns: 100 },
    );
    expect(seen.changed).toBeGreaterThan(50);
  });

  it('stay the same for the same inputs, rendered again later in the same isolate or a new one', async () => {
    const first = await render(demo(), 'public', now);
    forgetRenderMemos();
    const again = await render(demo(), 'public', now);
    for (const [path, doc] of first) {
      expect(again.get(path)!.etag, path).toBe(doc.etag);
      expect(again.get(path)!.body, path).toBe(doc.body);
    }
  });
});
