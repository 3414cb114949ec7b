// Demo data as the core platform would send it: `npm start` posts these as signed core
// events, and tests, screenshots and benchmarks reuse them. Deterministic for a given clock.
import type {
  CoreEvent,
  Incident,
  Maintenance,
  Service,
  StatusPage,
  UptimeDay,
} from '../../worker/domain/schema.ts';

export const DEMO_HOST = 'demo.localhost';
export const PRIVATE_HOST = 'private.localhost';
export const PARTNERS_HOST = 'partners.localhost';
export const DEMO_ISSUER = 'https://auth.demo.localhost';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function iso(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** A small deterministic generator (mulberry32), so every run shows the same bars. */
export function seededRandom(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export const DEMO_SERVICES: Service[] = [
  {
    id: 'svc_api',
    name: 'Public API',
    description: 'REST and GraphQL endpoints',
    status: 'partial_outage',
  },
  {
    id: 'svc_dashboard',
    name: 'Dashboard',
    description: 'The web app at app.acme.example',
    status: 'operational',
  },
  {
    id: 'svc_auth',
    name: 'Authentication',
    description: 'Sign-in, SSO and API tokens',
    status: 'operational',
  },
  { id: 'svc_db', name: 'Managed databases', status: 'operational' },
  { id: 'svc_storage', name: 'Object storage', status: 'operational' },
  { id: 'svc_search', name: 'Search', status: 'operational' },
  { id: 'svc_cdn', name: 'CDN', description: 'Edge caching in 300 cities', status: 'operational' },
  { id: 'svc_webhooks', name: 'Webhooks', status: 'degraded_performance' },
  { id: 'svc_email', name: 'Email notifications', status: 'operational' },
];

export interface DemoOptions {
  now: Date;
  /** Public JWKS for the private and audience demo pages (npm start generates the key pair). */
  jwks?: { keys: Record<string, unknown>[] };
}

export function demoPages(opts: DemoOptions): StatusPage[] {
  const ids = DEMO_SERVICES.map((s) => s.id);
  const groups = [
    { id: 'grp_core', name: 'Core platform', serviceIds: ['svc_api', 'svc_dashboard', 'svc_auth'] },
    { id: 'grp_data', name: 'Data', serviceIds: ['svc_db', 'svc_storage', 'svc_search'] },
    { id: 'grp_delivery', name: 'Delivery', serviceIds: ['svc_cdn', 'svc_webhooks', 'svc_email'] },
  ];
  // bench/lib/synthetic-page.ts writes these settings out again, on purpose: a benchmark's page
  // must not change when someone restyles the demo.
  const pages: StatusPage[] = [
    {
      id: 'page_demo',
      name: 'Acme Cloud',
      hostnames: [DEMO_HOST],
      visibility: 'public',
      serviceIds: ids,
      groups,
      branding: { accentColor: '#3b2fc9', theme: 'auto' },
      timeZone: 'Europe/Paris',
      locale: 'en-GB',
      // Also served in German, Japanese and Arabic (right to left), under /de/, /ja/, /ar/.
      locales: ['de', 'ja', 'ar'],
      supportUrl: 'https://support.acme.example/',
    },
  ];
  if (opts.jwks) {
    const jwt = { issuer: DEMO_ISSUER, jwks: opts.jwks as never };
    pages.push(
      {
        id: 'page_internal',
        name: 'Acme Internal',
        hostnames: [PRIVATE_HOST],
        visibility: 'private',
        serviceIds: ids,
        groups,
        access: { jwt },
        branding: { accentColor: '#0b6e4f', theme: 'dark' },
        timeZone: 'America/New_York',
      },
      {
        id: 'page_partners',
        name: 'Acme for Partners',
        hostnames: [PARTNERS_HOST],
        visibility: 'audience',
        serviceIds: ids,
        audiences: [
          {
            id: 'gold',
            name: 'Gold partners',
            serviceIds: ['svc_api', 'svc_auth', 'svc_webhooks', 'svc_cdn'],
          },
          { id: 'silver', name: 'Silver partners', serviceIds: ['svc_dashboard', 'svc_email'] },
        ],
        access: { jwt },
        branding: { accentColor: '#b3541e' },
        timeZone: 'Asia/Tokyo',
      },
    );
  }
  return pages;
}

export function demoIncidents(now: number): Incident[] {
  const started = now - 95 * 60_000;
  return [
    {
      id: 'inc_api_errors',
      name: 'Elevated API error rates in eu-west',
      status: 'monitoring',
      impact: 'major',
      serviceIds: ['svc_api', 'svc_webhooks'],
      createdAt: iso(started),
      updates: [
        {
          id: 'upd_1',
          status: 'investigating',
          body: 'We are investigating elevated 5xx error rates on the Public API in eu-west. Webhook deliveries are delayed.',
          createdAt: iso(started),
        },
        {
          id: 'upd_2',
          status: 'identified',
          body: 'A faulty configuration push to our load balancers is the cause. We are rolling it back region by region.',
          createdAt: iso(started + 35 * 60_000),
        },
        {
          id: 'upd_3',
          status: 'monitoring',
          body: 'The rollback is complete and error rates are back to normal. Queued webhooks are being delivered; we are monitoring.',
          createdAt: iso(started + 80 * 60_000),
        },
      ],
    },
    resolvedIncident(
      'inc_login',
      'Sign-in failures for SSO users',
      'minor',
      ['svc_auth'],
      now - 3 * DAY,
      42,
    ),
    resolvedIncident(
      'inc_search',
      'Search results delayed',
      'minor',
      ['svc_search'],
      now - 9 * DAY,
      130,
    ),
    resolvedIncident(
      'inc_storage',
      'Object storage unavailable',
      'critical',
      ['svc_storage', 'svc_cdn'],
      now - 23 * DAY,
      74,
    ),
    resolvedIncident(
      'inc_email',
      'Email notifications delayed',
      'minor',
      ['svc_email'],
      now - 51 * DAY,
      25,
    ),
  ];
}

function resolvedIncident(
  id: string,
  name: string,
  impact: Incident['impact'],
  serviceIds: string[],
  startedAt: number,
  minutes: number,
): Incident {
  const end = startedAt + minutes * 60_000;
  return {
    id,
    name,
    status: 'resolved',
    impact,
    serviceIds,
    createdAt: iso(startedAt),
    resolvedAt: iso(end),
    updates: [
      {
        id: `${id}_u1`,
        status: 'investigating',
        body: `We are looking into reports: ${name.toLowerCase()}.`,
        createdAt: iso(startedAt),
      },
      {
        id: `${id}_u2`,
        status: 'resolved',
        body: 'This incident has been resolved. We will publish a review.',
        createdAt: iso(end),
      },
    ],
  };
}

export function demoMaintenances(now: number): Maintenance[] {
  const start = Math.floor((now + 2 * DAY) / HOUR) * HOUR;
  return [
    {
      id: 'mnt_db_upgrade',
      name: 'Managed database engine upgrade',
      status: 'scheduled',
      serviceIds: ['svc_db'],
      scheduledFor: iso(start),
      scheduledUntil: iso(start + 2 * HOUR),
      updates: [
        {
          id: 'mnt_db_upgrade_u1',
          status: 'scheduled',
          body: 'Databases will restart once during the window; expect up to 30 seconds of unavailability each.',
          createdAt: iso(now - DAY),
        },
      ],
    },
  ];
}

/** 90 days of outage records with some orange and red days, the same on every run. */
export function demoUptime(now: number): UptimeDay[] {
  const rand = seededRandom(42);
  const days: UptimeDay[] = [];
  for (const s of DEMO_SERVICES) {
    for (let back = 89; back >= 0; back--) {
      const r = rand();
      const date = iso(now - back * DAY).slice(0, 10);
      if (r < 0.06) {
        days.push({
          serviceId: s.id,
          date,
          partialOutageSeconds: Math.floor(rand() * 7200) + 300,
          majorOutageSeconds: 0,
        });
      } else if (r < 0.085) {
        days.push({
          serviceId: s.id,
          date,
          partialOutageSeconds: Math.floor(rand() * 1800),
          majorOutageSeconds: Math.floor(rand() * 3600) + 120,
        });
      }
    }
  }
  days.push({
    serviceId: 'svc_api',
    date: iso(now).slice(0, 10),
    partialOutageSeconds: 3100,
    majorOutageSeconds: 0,
  });
  return days;
}

/** Every demo fact as a core event, in the order the core would send them. */
export function demoEvents(opts: DemoOptions): CoreEvent[] {
  const now = opts.now.getTime();
  const at = iso(now);
  const version = Math.floor(now / 1000);
  const events: CoreEvent[] = [];
  const push = (e: Omit<CoreEvent, 'occurredAt' | 'version'>) =>
    events.push({ ...e, occurredAt: at, version } as CoreEvent);
  for (const s of DEMO_SERVICES)
    push({ id: `demo:svc:${s.id}:${version}`, type: 'service.upserted', data: s });
  for (const p of demoPages(opts))
    push({ id: `demo:page:${p.id}:${version}`, type: 'status_page.upserted', data: p });
  for (const i of demoIncidents(now))
    push({ id: `demo:inc:${i.id}:${version}`, type: 'incident.upserted', data: i });
  for (const m of demoMaintenances(now))
    push({ id: `demo:mnt:${m.id}:${version}`, type: 'maintenance.upserted', data: m });
  for (const u of demoUptime(now)) {
    push({ id: `demo:up:${u.serviceId}:${u.date}:${version}`, type: 'uptime.recorded', data: u });
  }
  return events;
}
