// A zod model of Atlassian Statuspage's public API v2 payloads, written from Statuspage's API
// documentation and real pages' answers, independently of our producer's types: if the
// producer drifts (a renamed field, a wrong enum, a missing offset), these refuse it.
// Objects are strict: we must send no field Statuspage does not have. The enums repeat
// worker/domain/schema.ts's on purpose: this is Statuspage's word, not ours.
import { z } from 'zod';

/** ISO 8601 with an explicit offset (`Z` or ±hh:mm), as Statuspage writes them. */
const Timestamp = z.iso.datetime({ offset: true, local: false });
const Id = z.string().min(1);

export const ComponentStatus = z.enum([
  'operational',
  'degraded_performance',
  'partial_outage',
  'major_outage',
  'under_maintenance',
]);
export const IncidentStatus = z.enum([
  'investigating',
  'identified',
  'monitoring',
  'resolved',
  'postmortem',
]);
export const MaintenanceStatus = z.enum(['scheduled', 'in_progress', 'verifying', 'completed']);
export const Indicator = z.enum(['none', 'minor', 'major', 'critical']);

function isIanaZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export const Page = z.strictObject({
  id: Id,
  name: z.string(),
  url: z.url({ protocol: /^https$/ }),
  time_zone: z.string().refine(isIanaZone, 'an IANA time zone'),
  updated_at: Timestamp,
});

export const Status = z.strictObject({ indicator: Indicator, description: z.string().min(1) });

export const Component = z
  .strictObject({
    id: Id,
    name: z.string(),
    status: ComponentStatus,
    created_at: Timestamp,
    updated_at: Timestamp,
    position: z.number().int().min(1),
    description: z.string().nullable(),
    showcase: z.boolean(),
    start_date: z.iso.date().nullable(),
    group_id: Id.nullable(),
    page_id: Id,
    group: z.boolean(),
    only_show_if_degraded: z.boolean(),
    components: z.array(Id).optional(),
  })
  .refine((c) => (c.group ? c.components !== undefined : c.components === undefined), {
    message: 'a group lists its components; a component does not',
  })
  .refine((c) => !(c.group && c.group_id !== null), { message: 'groups do not nest' });

const AffectedComponent = z.strictObject({
  code: Id,
  name: z.string(),
  old_status: ComponentStatus,
  new_status: ComponentStatus,
});

const Update = <S extends z.ZodType>(status: S) =>
  z.strictObject({
    id: Id,
    status,
    body: z.string(),
    incident_id: Id,
    created_at: Timestamp,
    updated_at: Timestamp,
    display_at: Timestamp,
    affected_components: z.array(AffectedComponent).nullable(),
    deliver_notifications: z.boolean(),
    custom_tweet: z.string().nullable(),
    tweet_id: z.string().nullable(),
  });

const incidentFields = {
  id: Id,
  name: z.string(),
  created_at: Timestamp,
  updated_at: Timestamp,
  monitoring_at: Timestamp.nullable(),
  resolved_at: Timestamp.nullable(),
  shortlink: z.url(),
  started_at: Timestamp,
  page_id: Id,
  components: z.array(Component),
};

export const Incident = z.strictObject({
  ...incidentFields,
  status: IncidentStatus,
  impact: Indicator,
  incident_updates: z.array(Update(IncidentStatus)),
});

export const ScheduledMaintenance = z.strictObject({
  ...incidentFields,
  status: MaintenanceStatus,
  impact: z.enum(['none', 'minor', 'major', 'critical', 'maintenance']),
  incident_updates: z.array(Update(MaintenanceStatus)),
  scheduled_for: Timestamp,
  scheduled_until: Timestamp,
});

export const Summary = z.strictObject({
  page: Page,
  components: z.array(Component),
  incidents: z.array(Incident),
  scheduled_maintenances: z.array(ScheduledMaintenance),
  status: Status,
});
export const StatusDoc = z.strictObject({ page: Page, status: Status });
export const ComponentsDoc = z.strictObject({ page: Page, components: z.array(Component) });
export const IncidentsDoc = z.strictObject({ page: Page, incidents: z.array(Incident) });
export const MaintenancesDoc = z.strictObject({
  page: Page,
  scheduled_maintenances: z.array(ScheduledMaintenance),
});

/** The model of each `/api/v2/*.json` document. */
export const ENVELOPES = {
  '/api/v2/summary.json': Summary,
  '/api/v2/status.json': StatusDoc,
  '/api/v2/components.json': ComponentsDoc,
  '/api/v2/incidents.json': IncidentsDoc,
  '/api/v2/incidents/unresolved.json': IncidentsDoc,
  '/api/v2/scheduled-maintenances.json': MaintenancesDoc,
  '/api/v2/scheduled-maintenances/upcoming.json': MaintenancesDoc,
  '/api/v2/scheduled-maintenances/active.json': MaintenancesDoc,
} as const;

export type SummaryDoc = z.infer<typeof Summary>;
export type IncidentsDocT = z.infer<typeof IncidentsDoc>;
export type MaintenancesDocT = z.infer<typeof MaintenancesDoc>;
export type ComponentsDocT = z.infer<typeof ComponentsDoc>;
