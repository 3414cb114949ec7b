// A minimal `/api/v2/summary.json` in Atlassian Statuspage's shape (page, status, components,
// unresolved incidents, active and upcoming maintenance): what the skeleton page completes
// itself from. The full Statuspage API (every endpoint and field) belongs to the API/feeds
// work; when it lands, its summary.json replaces this one (same path, a superset of fields).
import { overallStatus } from '../domain/indicator.ts';
import type { Incident, Maintenance } from '../domain/schema.ts';
import { type PageSnapshot, shownServices } from '../domain/snapshot.ts';
import {
  activeIncidents,
  activeMaintenances,
  maintenancePhase,
  upcomingMaintenances,
} from '../domain/timeline.ts';

function updates(item: Incident | Maintenance) {
  return [...item.updates]
    .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt))
    .map((u) => ({ id: u.id, status: u.status, body: u.body, created_at: u.createdAt }));
}

export function summaryJson(snapshot: PageSnapshot, now: Date): string {
  const { page } = snapshot;
  const services = shownServices(snapshot);
  const status = overallStatus(services, snapshot.incidents, snapshot.maintenances, now);
  const groupOf = new Map<string, string>();
  for (const g of page.groups ?? []) for (const id of g.serviceIds) groupOf.set(id, g.id);
  const components = [
    ...services.map((s, position) => ({
      id: s.id,
      name: s.name,
      status: s.status,
      description: s.description ?? null,
      position: position + 1,
      group_id: groupOf.get(s.id) ?? null,
      group: false,
    })),
    ...(page.groups ?? []).map((g, position) => ({
      id: g.id,
      name: g.name,
      status: 'operational',
      description: null,
      position: services.length + position + 1,
      group_id: null,
      group: true,
      components: g.serviceIds,
    })),
  ];
  return JSON.stringify({
    page: {
      id: page.id,
      name: page.name,
      url: page.hostnames[0] ? `https://${page.hostnames[0]}` : null,
      time_zone: page.timeZone ?? 'UTC',
      updated_at: now.toISOString(),
    },
    status,
    components,
    incidents: activeIncidents(snapshot.incidents).map((i) => ({
      id: i.id,
      name: i.name,
      status: i.status,
      impact: i.impact,
      created_at: i.createdAt,
      incident_updates: updates(i),
    })),
    scheduled_maintenances: [
      ...activeMaintenances(snapshot.maintenances, now),
      ...upcomingMaintenances(snapshot.maintenances, now),
    ].map((m) => ({
      id: m.id,
      name: m.name,
      status: maintenancePhase(m, now),
      scheduled_for: m.scheduledFor,
      scheduled_until: m.scheduledUntil,
      incident_updates: updates(m),
    })),
  });
}
