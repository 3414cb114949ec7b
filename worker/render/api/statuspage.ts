// Atlassian Statuspage's public API v2 (docs/contract.md §2), produced at render time from one
// variant's slice: the eight `/api/v2/*.json` documents, with Statuspage's envelope, field
// names, enums and selection rules, so aggregators and widgets read our pages unchanged.
//
// Choices where the core tells us less than Statuspage knows (see also facts.ts):
// - components: one per shown service plus one per group (`group: true`, `components`: child
//   ids; children carry `group_id`), in the page's display order; `position` is that order,
//   1-based across the whole list. A group's status is its worst child's. `showcase` is true
//   for services (the page shows uptime bars for every service), `only_show_if_degraded` false.
// - incident updates carry no component transitions in the core's model, so
//   `affected_components` is null (Statuspage's value for "none recorded"); the incident's own
//   `components` lists what it affects. `updated_at`/`display_at` = the update's time.
// - maintenance `impact` is "maintenance" (what Statuspage itself reports for windows) and
//   its `status` is the clock-driven phase; `shortlink` points at the window on the page.
// - every timestamp is ISO 8601 in the page's time zone with its offset, as Statuspage does.
import { byNewest, earliestOf, latestOf } from '../../domain/chronology.ts';
import { jsonOfIncident } from '../../domain/incident-json.ts';
import { type Indicator, overallStatus, worstStatus } from '../../domain/indicator.ts';
import { serviceLayout } from '../../domain/layout.ts';
import type {
  Impact,
  Incident,
  IncidentStatus,
  Maintenance,
  MaintenanceStatus,
  Service,
  ServiceStatus,
} from '../../domain/schema.ts';
import { type PageSnapshot, shownServices } from '../../domain/snapshot.ts';
import { isoInZone } from '../../domain/time.ts';
import {
  activeIncidents,
  activeMaintenances,
  allIncidentsNewestFirst,
  upcomingMaintenances,
} from '../../domain/timeline.ts';
import type { API_PATHS } from '../../domain/visitor-paths.ts';
import type { DocumentSource } from '../documents.ts';
import { ContentMemo } from '../memo.ts';
import { incidentUrl, type PageFacts, pageFacts } from './facts.ts';

export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** Statuspage returns at most this many in `incidents.json` and `scheduled-maintenances.json`. */
export const RECENT_LIMIT = 50;

export interface SpPage {
  id: string;
  name: string;
  url: string;
  time_zone: string;
  updated_at: string;
}

export interface SpStatus {
  indicator: Indicator;
  description: string;
}

export interface SpComponent {
  id: string;
  name: string;
  status: ServiceStatus;
  created_at: string;
  updated_at: string;
  position: number;
  description: string | null;
  showcase: boolean;
  start_date: string | null;
  group_id: string | null;
  page_id: string;
  group: boolean;
  only_show_if_degraded: boolean;
  components?: string[];
}

export interface SpIncidentUpdate {
  id: string;
  status: IncidentStatus | MaintenanceStatus;
  body: string;
  incident_id: string;
  created_at: string;
  updated_at: string;
  display_at: string;
  affected_components: null;
  deliver_notifications: boolean;
  custom_tweet: null;
  tweet_id: null;
}

export interface SpIncident {
  id: string;
  name: string;
  status: IncidentStatus | MaintenanceStatus;
  created_at: string;
  updated_at: string;
  monitoring_at: string | null;
  resolved_at: string | null;
  impact: Impact | 'maintenance';
  shortlink: string;
  started_at: string;
  page_id: string;
  incident_updates: SpIncidentUpdate[];
  components: SpComponent[];
}

export interface SpMaintenance extends SpIncident {
  scheduled_for: string;
  scheduled_until: string;
}

export interface SpSummary {
  page: SpPage;
  components: SpComponent[];
  incidents: SpIncident[];
  scheduled_maintenances: SpMaintenance[];
  status: SpStatus;
}

interface Model {
  page: SpPage;
  status: SpStatus;
  components: SpComponent[];
  /** The components an incident or window names, in its order, each once. */
  affected(serviceIds: readonly string[]): SpComponent[];
  incident(i: Incident): SpIncident;
  maintenance(m: Maintenance): SpMaintenance;
}

type AnyUpdate = {
  id: string;
  status: IncidentStatus | MaintenanceStatus;
  body: string;
  createdAt: string;
};

/** The API's objects for one variant; components are built once and shared by every list. */
function buildModel(snapshot: PageSnapshot, now: Date, facts: PageFacts): Model {
  const pageId = snapshot.page.id;
  const ts = (iso: string) => isoInZone(iso, facts.timeZone);
  const byService = new Map<string, SpComponent>();

  const serviceComponent = (s: Service, groupId: string | null): SpComponent => {
    const t = facts.services.get(s.id)!;
    const c: SpComponent = {
      id: s.id,
      name: s.name,
      status: s.status,
      created_at: ts(t.createdAt),
      updated_at: ts(t.updatedAt),
      position: 0,
      description: s.description || null,
      showcase: true,
      start_date: t.startDate,
      group_id: groupId,
      page_id: pageId,
      group: false,
      only_show_if_degraded: false,
    };
    byService.set(s.id, c);
    return c;
  };

  const components: SpComponent[] = [];
  for (const { group, services } of serviceLayout(snapshot)) {
    if (!group) {
      for (const s of services) components.push(serviceComponent(s, null));
      continue;
    }
    const children = services.map((s) => serviceComponent(s, group.id));
    const times = children.map((c) => facts.services.get(c.id)!);
    components.push({
      id: group.id,
      name: group.name,
      status: worstStatus(services),
      // A shown group has at least one service (serviceLayout), so these are never null.
      created_at: ts(earliestOf(times.map((t) => t.createdAt))!),
      updated_at: ts(latestOf(times.map((t) => t.updatedAt))!),
      position: 0,
      description: null,
      showcase: false,
      start_date: null,
      group_id: null,
      page_id: pageId,
      group: true,
      only_show_if_degraded: false,
      components: children.map((c) => c.id),
    });
    components.push(...children);
  }
  components.forEach((c, i) => {
    c.position = i + 1;
  });

  const affected = (serviceIds: readonly string[]): SpComponent[] => {
    const seen = new Set<string>();
    return serviceIds.flatMap((id) => {
      const c = byService.get(id);
      if (!c || seen.has(id)) return [];
      seen.add(id);
      return [c];
    });
  };

  const updates = (parentId: string, list: readonly AnyUpdate[]): SpIncidentUpdate[] =>
    byNewest(list).map((u) => {
      const at = ts(u.createdAt);
      return {
        id: u.id,
        status: u.status,
        body: u.body,
        incident_id: parentId,
        created_at: at,
        updated_at: at,
        display_at: at,
        affected_components: null,
        deliver_notifications: false,
        custom_tweet: null,
        tweet_id: null,
      };
    });

  return {
    page: {
      id: pageId,
      name: snapshot.page.name,
      url: facts.url,
      time_zone: facts.timeZone,
      updated_at: ts(facts.updatedAt),
    },
    status: overallStatus(shownServices(snapshot), snapshot.incidents, snapshot.maintenances, now),
    components,
    affected,
    // maintenance(m) below answers the same fields: Statuspage gives both the same shape.
    incident(i) {
      const t = facts.incidents.get(i.id)!;
      return {
        id: i.id,
        name: i.name,
        status: i.status,
        created_at: ts(t.createdAt),
        updated_at: ts(t.updatedAt),
        monitoring_at: t.monitoringAt && ts(t.monitoringAt),
        resolved_at: t.resolvedAt && ts(t.resolvedAt),
        impact: i.impact,
        shortlink: incidentUrl(snapshot, i.id),
        started_at: ts(i.createdAt),
        page_id: pageId,
        incident_updates: updates(i.id, i.updates),
        components: affected(i.serviceIds),
      };
    },
    // Statuspage gives a maintenance the same fields as an incident (hence the same lines).
    maintenance(m) {
      const t = facts.maintenances.get(m.id)!;
      return {
        id: m.id,
        name: m.name,
        status: t.phase,
        created_at: ts(t.createdAt),
        updated_at: ts(t.updatedAt),
        monitoring_at: null,
        resolved_at: t.resolvedAt && ts(t.resolvedAt),
        impact: 'maintenance',
        shortlink: `${facts.url}/#m-${m.id}`,
        started_at: ts(t.createdAt),
        page_id: pageId,
        incident_updates: updates(m.id, m.updates),
        components: affected(m.serviceIds),
        scheduled_for: ts(m.scheduledFor),
        scheduled_until: ts(m.scheduledUntil),
      };
    },
  };
}

// An incident's JSON between publishes: during an incident a page is published again for each
// change, and most incidents in its lists are as they were (see `statuspageDocuments`). Kept
// per incident of a page's variant (its slot) with the parts it was made from: comparing a
// hundred incidents' parts with the kept ones costs less than joining and hashing them.
interface KeptIncident {
  parts: readonly string[];
  json: string;
}
const incidentJsonMemo = new ContentMemo<KeptIncident>(1024);

const sameParts = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((p, i) => p === b[i]);

/**
 * JSON as sent: `<`, `>`, `&` and the JS line separators escaped inside strings, so that a
 * body is inert even if someone pastes it into an HTML page or a script.
 */
export function toJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** The most recent windows by start, whatever their phase. */
function recentMaintenances(ms: readonly Maintenance[]): Maintenance[] {
  return [...ms]
    .sort(
      (a, b) => Date.parse(b.scheduledFor) - Date.parse(a.scheduledFor) || a.id.localeCompare(b.id),
    )
    .slice(0, RECENT_LIMIT);
}

/** A field's JSON: text, or a list given as its items' JSON texts. */
type FieldJson = string | readonly string[];
type Fields = readonly (readonly [string, FieldJson])[];

const listJson = (items: readonly string[]) => `[${items.join(',')}]`;

/** JSON text of an object whose keys are plain names: `{"a":<json a>,"b":<json b>}`. */
function objectJson(fields: Fields): string {
  return `{${fields.map(([k, v]) => `"${k}":${typeof v === 'string' ? v : listJson(v)}`).join(',')}}`;
}

const encoder = new TextEncoder();

// The bytes of list items (a component, an incident) between publishes: during an incident a
// page is published again for each change with nearly every item as it was. Looked up by the
// item's text: hashing a few hundred characters costs a fraction of encoding them.
const itemBytes = new ContentMemo<Uint8Array>(4096);

const bytesOfItem = (json: string) => itemBytes.get(json, () => encoder.encode(json));

const COMMA = encoder.encode(',');
const OPEN = encoder.encode('[');
const CLOSE = encoder.encode(']');

/**
 * `encode(objectJson(fields))`, from the pieces' own bytes: a big page's component list (a
 * hundred kilobytes) and incident list are in two documents each; their items' bytes are kept
 * between publishes, and no document is first copied into one string of its own. Plain fields
 * (the page, the status) are small and encoded as they come, once per publish (`encoded`).
 */
function objectBytes(fields: Fields, encoded: Map<string, Uint8Array>): Uint8Array {
  const pieces: Uint8Array[] = [];
  fields.forEach(([k, v], i) => {
    pieces.push(encoder.encode(`${i === 0 ? '{' : ','}"${k}":`));
    if (typeof v === 'string') {
      let bytes = encoded.get(v);
      if (bytes === undefined) {
        bytes = encoder.encode(v);
        encoded.set(v, bytes);
      }
      pieces.push(bytes);
      return;
    }
    pieces.push(OPEN);
    v.forEach((item, n) => {
      if (n > 0) pieces.push(COMMA);
      pieces.push(bytesOfItem(item));
    });
    pieces.push(CLOSE);
  });
  pieces.push(encoder.encode('}'));
  let length = 0;
  for (const p of pieces) length += p.byteLength;
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of pieces) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

/** An API document: its text and its bytes, each made when first asked for. */
export interface ApiDocument extends DocumentSource {
  bytes(): Uint8Array;
}

function apiDocument(path: string, fields: Fields, encoded: Map<string, Uint8Array>): ApiDocument {
  let body: string | undefined;
  return {
    path,
    contentType: JSON_CONTENT_TYPE,
    get body() {
      body ??= objectJson(fields);
      return body;
    },
    bytes: () => objectBytes(fields, encoded),
  };
}

/**
 * Every `/api/v2/*.json` document of one variant, by Statuspage's selection rules. The same
 * objects appear in several documents (every component in summary.json and components.json,
 * an incident in up to three lists): each is serialised once and the documents are put
 * together from those pieces, byte for byte what serialising each document whole gives.
 */
export function statuspageDocuments(
  snapshot: PageSnapshot,
  now: Date,
  facts: PageFacts = pageFacts(snapshot, now),
  /** Which of the page's variants `snapshot` is the slice of (where its pieces are kept). */
  variant = '',
): ApiDocument[] {
  const model = buildModel(snapshot, now, facts);
  const page = toJson(model.page);
  const status = toJson(model.status);
  // JSON.stringify of a list is its items' JSON joined, and toJson escapes only inside strings:
  // the list from its pieces is byte for byte the list serialised whole.
  const componentJson = new Map(model.components.map((c) => [c, toJson(c)]));
  const components = [...componentJson.values()];
  const incidents = new Map<Incident, string>();
  const incident = (i: Incident) => {
    let json = incidents.get(i);
    if (json === undefined) {
      // What an incident's object is made of: the incident, its times (from the incident
      // alone), the page (its slot), its zone and address, and the components it names as
      // they are now.
      const parts = [
        jsonOfIncident(i),
        facts.timeZone,
        facts.url,
        ...model.affected(i.serviceIds).map((c) => componentJson.get(c) ?? toJson(c)),
      ];
      const slot = `${snapshot.page.id}\n${variant}\n${i.id}`;
      const make = () => ({ parts, json: toJson(model.incident(i)) });
      let kept = incidentJsonMemo.get(slot, make);
      if (!sameParts(kept.parts, parts)) {
        kept = make();
        incidentJsonMemo.set(slot, kept);
      }
      json = kept.json;
      incidents.set(i, json);
    }
    return json;
  };
  const maintenances = new Map<Maintenance, string>();
  const maintenance = (m: Maintenance) => {
    let json = maintenances.get(m);
    if (json === undefined) {
      json = toJson(model.maintenance(m));
      maintenances.set(m, json);
    }
    return json;
  };
  const unresolved = activeIncidents(snapshot.incidents).map(incident);
  const active = activeMaintenances(snapshot.maintenances, now).map(maintenance);
  const upcoming = upcomingMaintenances(snapshot.maintenances, now).map(maintenance);
  const recent = allIncidentsNewestFirst(snapshot.incidents).slice(0, RECENT_LIMIT).map(incident);
  const bodies: Record<(typeof API_PATHS)[number], Fields> = {
    // Field order as SpSummary declares it, as Statuspage sends it.
    '/api/v2/summary.json': [
      ['page', page],
      ['components', components],
      ['incidents', unresolved],
      ['scheduled_maintenances', [...active, ...upcoming]],
      ['status', status],
    ],
    '/api/v2/status.json': [
      ['page', page],
      ['status', status],
    ],
    '/api/v2/components.json': [
      ['page', page],
      ['components', components],
    ],
    '/api/v2/incidents.json': [
      ['page', page],
      ['incidents', recent],
    ],
    '/api/v2/incidents/unresolved.json': [
      ['page', page],
      ['incidents', unresolved],
    ],
    '/api/v2/scheduled-maintenances.json': [
      ['page', page],
      ['scheduled_maintenances', recentMaintenances(snapshot.maintenances).map(maintenance)],
    ],
    '/api/v2/scheduled-maintenances/upcoming.json': [
      ['page', page],
      ['scheduled_maintenances', upcoming],
    ],
    '/api/v2/scheduled-maintenances/active.json': [
      ['page', page],
      ['scheduled_maintenances', active],
    ],
  };
  // Bytes of the pieces that several documents share, encoded once (see objectBytes).
  const encoded = new Map<string, Uint8Array>();
  return Object.entries(bodies).map(([path, fields]) => apiDocument(path, fields, encoded));
}
