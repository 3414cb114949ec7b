// Pages of a chosen size for the render benchmark and tests, deterministic for a given clock:
// realistic names and update texts, some outage days, incidents spread over the 90-day window,
// and the core's event times per page and service, as a page's coordinator keeps them.

import { seededRandom } from '../../scripts/lib/demo-events.ts';
import type { Incident, Maintenance, Service, UptimeDay } from '../../worker/domain/schema.ts';
import type { PageSnapshot, ResourceTimes } from '../../worker/domain/snapshot.ts';

const DAY = 86_400_000;

function iso(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString();
}

const STATUSES: Service['status'][] = ['degraded_performance', 'partial_outage', 'major_outage'];
const SENTENCE =
  'We are investigating reports of elevated error rates & slow responses for some customers in <eu-west>; ' +
  'the next update follows within 30 minutes as we learn more about the cause.';

export interface PageSize {
  services: number;
  incidents: number;
  /** Share of service-days with some outage. */
  outageDays?: number;
}

export function syntheticSnapshot(size: PageSize, now: Date): PageSnapshot {
  const rand = seededRandom(size.services * 7919 + size.incidents);
  const t = now.getTime();
  const services: Service[] = Array.from({ length: size.services }, (_, i) => ({
    id: `svc_${i}`,
    name: `Service ${i} — ${['API', 'Dashboard', 'Storage', 'Search', 'Webhooks'][i % 5]}`,
    ...(i % 3 === 0 ? { description: `Region ${i % 7}: endpoints, workers and queues` } : {}),
    status: i % 17 === 5 ? STATUSES[i % 3]! : 'operational',
  }));
  const ids = services.map((s) => s.id);
  const groups = [];
  for (let g = 0; g * 10 < ids.length; g++) {
    groups.push({ id: `grp_${g}`, name: `Group ${g}`, serviceIds: ids.slice(g * 10, g * 10 + 10) });
  }
  const uptime: UptimeDay[] = [];
  const share = size.outageDays ?? 0.08;
  for (const id of ids) {
    for (let back = 89; back >= 0; back--) {
      if (rand() >= share) continue;
      const major = rand() < 0.3;
      uptime.push({
        serviceId: id,
        date: iso(t - back * DAY).slice(0, 10),
        partialOutageSeconds: Math.floor(rand() * 5000) + 60,
        majorOutageSeconds: major ? Math.floor(rand() * 3000) + 60 : 0,
      });
    }
  }
  const incidents: Incident[] = Array.from({ length: size.incidents }, (_, i) => {
    const start = t - Math.floor(rand() * 89 * DAY) - 3_600_000;
    const active = i < 2;
    const affected = [ids[i % ids.length]!, ids[(i * 7) % ids.length]!];
    return {
      id: `inc_${i}`,
      name: `Incident ${i}: degraded ${services[i % services.length]!.name}`,
      status: active ? 'identified' : 'resolved',
      impact: (['minor', 'major', 'critical', 'none'] as const)[i % 4]!,
      serviceIds: [...new Set(affected)],
      createdAt: iso(active ? t - 3_600_000 : start),
      ...(active ? {} : { resolvedAt: iso(start + 3_600_000) }),
      updates: Array.from({ length: 3 }, (_, u) => ({
        id: `inc_${i}_u${u}`,
        status: (['investigating', 'identified', active ? 'identified' : 'resolved'] as const)[u]!,
        body: SENTENCE,
        createdAt: iso((active ? t - 3_600_000 : start) + u * 1_200_000),
      })),
    };
  });
  const maintenances: Maintenance[] = [
    {
      id: 'mnt_1',
      name: 'Database upgrade',
      status: 'scheduled',
      serviceIds: ids.slice(0, 3),
      scheduledFor: iso(t + 2 * DAY),
      scheduledUntil: iso(t + 2 * DAY + 7_200_000),
      updates: [{ id: 'mnt_1_u', status: 'scheduled', body: SENTENCE, createdAt: iso(t - DAY) }],
    },
  ];
  const since = (days: number): ResourceTimes => ({
    createdAt: iso(t - 400 * DAY),
    updatedAt: iso(t - days * DAY),
  });
  const times = {
    page: since(30),
    services: Object.fromEntries(ids.map((id, i) => [id, since(1 + (i % 60))])),
  };
  return {
    // The demo page's settings (scripts/lib/demo-events.ts), written out again on purpose: a
    // benchmark's page must not change when someone restyles the demo.
    page: {
      id: `page_${size.services}`,
      name: 'Synthetic Cloud',
      hostnames: [`s${size.services}.example.com`],
      visibility: 'public',
      serviceIds: ids,
      groups,
      branding: { accentColor: '#3b2fc9', theme: 'auto' },
      timeZone: 'Europe/Paris',
      locale: 'en-GB',
      supportUrl: 'https://support.example.com/',
    },
    services,
    incidents,
    maintenances,
    uptime,
    times,
  };
}

/**
 * What one event does to a page during an incident: one service's status changes at `at`
 * (the coordinator records the event's time as the service's `updatedAt`).
 */
export function withServiceChange(
  snapshot: PageSnapshot,
  serviceIndex: number,
  at: Date,
): PageSnapshot {
  const id = snapshot.page.serviceIds[serviceIndex % snapshot.page.serviceIds.length]!;
  const services = snapshot.services.map((s) =>
    s.id === id
      ? {
          ...s,
          status:
            s.status === 'major_outage' ? ('operational' as const) : ('major_outage' as const),
        }
      : s,
  );
  const known = snapshot.times?.services ?? {};
  const createdAt = known[id]?.createdAt ?? at.toISOString();
  return {
    ...snapshot,
    services,
    times: {
      ...snapshot.times,
      services: { ...known, [id]: { createdAt, updatedAt: at.toISOString() } },
    },
  };
}
