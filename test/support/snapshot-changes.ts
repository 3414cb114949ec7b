// Random changes of every kind a page sees (core events, the clock, an audience's view), for
// the properties of document ETags (test/worker/fingerprint-properties.test.ts) and of the
// incremental publish plan (test/unit/incremental-plan.test.ts).
import fc from 'fast-check';
import { demoEvents } from '../../scripts/lib/demo-events.ts';
import type {
  Impact,
  IncidentStatus,
  MaintenanceStatus,
  ServiceStatus,
} from '../../worker/domain/schema.ts';
import type { PageSnapshot } from '../../worker/domain/snapshot.ts';
import { hostileName, hostileText } from './arbitraries.ts';
import { snapshotFromEvents } from './snapshot-from-events.ts';

export const now = new Date('2026-11-21T17:00:00Z');
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

export const KINDS = [
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
  'incident added',
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
export const changeOf = (kinds: fc.Arbitrary<(typeof KINDS)[number]>) =>
  fc.record({
    kind: kinds,
    n: fc.nat({ max: 1000 }),
    m: fc.nat({ max: 1000 }),
    text: hostileName,
    body: hostileText(200),
    ms: fc.integer({ min: 1, max: 4 * 24 * HOUR }),
  });
export const change = changeOf(fc.constantFrom(...KINDS));
export type Change = typeof change extends fc.Arbitrary<infer T> ? T : never;

function pick<T>(items: readonly T[], n: number): T | undefined {
  return items.length ? items[n % items.length] : undefined;
}

/** Applies a change to a copy of the snapshot; returns the copy and the clock after it. */
export function apply(
  base: PageSnapshot,
  at: Date,
  c: Change,
): { snapshot: PageSnapshot; at: Date } {
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
    case 'incident added':
      // One incident per id, as the coordinator stores them.
      s.incidents = s.incidents.filter((i) => i.id !== `inc_new_${c.n}`);
      s.incidents.push({
        id: `inc_new_${c.n}`,
        name: c.text,
        status: pick(INCIDENT_STATUSES, c.m)!,
        impact: pick(IMPACTS, c.n)!,
        serviceIds: [pick(s.page.serviceIds, c.m) ?? 'svc_api'],
        createdAt: iso(at.getTime() - (c.m % 200) * HOUR),
        updates: [
          {
            id: `u_new_${c.n}`,
            status: 'investigating',
            body: c.body,
            createdAt: iso(at.getTime()),
          },
        ],
      });
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

export const demo = (): PageSnapshot => {
  const s = snapshotFromEvents(demoEvents({ now }), 'page_demo');
  // An audience, so that the audience variant's slice is checked too.
  s.page.audiences = [{ id: 'ops', name: 'Ops', serviceIds: ['svc_api', 'svc_db', 'svc_cdn'] }];
  // One further language (right to left), so its documents are checked too; the demo's three
  // would make every render four times the work.
  s.page.locales = ['ar'];
  return s;
};

export const clockMoves = fc.oneof(
  fc.constant(0),
  fc.integer({ min: 1, max: HOUR }),
  fc.integer({ min: 1, max: 4 * 24 * HOUR }),
);
