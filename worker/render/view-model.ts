// Pure: a page snapshot, one variant's slice of it and the clock → the views the templates
// fill. Everything customer-written stays a plain string here; Mustache escapes it. The only
// HTML built here is the uptime bars, from dates and numbers we format ourselves.
import { byNewest } from '../domain/chronology.ts';
import { overallStatus } from '../domain/indicator.ts';
import { serviceLayout } from '../domain/layout.ts';
import type { Incident, Maintenance, Service, UptimeDay } from '../domain/schema.ts';
import { type PageSnapshot, shownServices, zoneOf } from '../domain/snapshot.ts';
import {
  dayInZone,
  formatBarDay,
  formatDateTime,
  formatDay,
  formatDuration,
  formatMonth,
} from '../domain/time.ts';
import {
  activeIncidents,
  activeMaintenances,
  allIncidentsNewestFirst,
  incidentEndedAt,
  isUnresolved,
  maintenancePhase,
  pastIncidents,
  upcomingMaintenances,
} from '../domain/timeline.ts';
import { barLevel, dayUptime, formatPercent, indexUptime, windowDays } from '../domain/uptime.ts';
import {
  IMPACT_LABEL,
  INCIDENT_STATUS_LABEL,
  MAINTENANCE_STATUS_LABEL,
  SERVICE_STATUS_ICON,
  SERVICE_STATUS_LABEL,
} from './labels.ts';
import { safeHttpUrl } from './safe-url.ts';

export const PAST_INCIDENT_DAYS = 14;

export interface RenderContext {
  snapshot: PageSnapshot;
  now: Date;
}

export interface PageChrome {
  lang: string;
  theme: 'light' | 'dark' | null;
  title: string;
  description: string;
  pageName: string;
  logoUrl: string | null;
  supportUrl: string | null;
  timeZone: string;
  renderedAt: string;
  renderedAtIso: string;
  feeds: boolean;
}

interface UpdateView {
  statusLabel: string;
  at: string;
  atLabel: string;
  body: string;
}

export interface IncidentView {
  id: string;
  name: string;
  impact: string;
  impactLabel: string;
  statusLabel: string;
  affected: string;
  createdAt: string;
  createdAtLabel: string;
  durationLabel: string | null;
  summary: string;
  updates: UpdateView[];
}

function localeOf(snapshot: PageSnapshot): string {
  return snapshot.page.locale ?? 'en-US';
}

export function chrome(ctx: RenderContext, title: string, description: string): PageChrome {
  const { page } = ctx.snapshot;
  const theme = page.branding?.theme;
  const zone = zoneOf(ctx.snapshot);
  return {
    lang: page.locale ?? 'en',
    theme: theme === 'light' || theme === 'dark' ? theme : null,
    title,
    description,
    pageName: page.name,
    logoUrl: safeHttpUrl(page.branding?.logoUrl),
    supportUrl: safeHttpUrl(page.supportUrl),
    timeZone: zone,
    renderedAt: formatDateTime(ctx.now.toISOString(), zone, localeOf(ctx.snapshot)),
    renderedAtIso: ctx.now.toISOString(),
    feeds: true,
  };
}

// Built once per snapshot: every incident and maintenance names its services through it.
const shownNames = new WeakMap<PageSnapshot, Map<string, string>>();

/** The names of the shown services among `ids`, as a page lists what an incident affects. */
export function affectedNames(snapshot: PageSnapshot, ids: readonly string[]): string {
  let shown = shownNames.get(snapshot);
  if (!shown) {
    shown = new Map(shownServices(snapshot).map((s) => [s.id, s.name]));
    shownNames.set(snapshot, shown);
  }
  return ids.flatMap((id) => shown.get(id) ?? []).join(', ');
}

function updateViews<S extends string>(
  ctx: RenderContext,
  updates: readonly { id: string; status: S; body: string; createdAt: string }[],
  labels: Record<S, string>,
): UpdateView[] {
  const zone = zoneOf(ctx.snapshot);
  const locale = localeOf(ctx.snapshot);
  return byNewest(updates).map((u) => ({
    statusLabel: labels[u.status],
    at: u.createdAt,
    atLabel: formatDateTime(u.createdAt, zone, locale),
    body: u.body,
  }));
}

// One render shows an incident up to three times (status page, history, its own page).
const incidentViews = new WeakMap<RenderContext, WeakMap<Incident, IncidentView>>();

export function incidentView(ctx: RenderContext, incident: Incident): IncidentView {
  let views = incidentViews.get(ctx);
  if (!views) {
    views = new WeakMap();
    incidentViews.set(ctx, views);
  }
  let view = views.get(incident);
  if (!view) {
    view = buildIncidentView(ctx, incident);
    views.set(incident, view);
  }
  return view;
}

function buildIncidentView(ctx: RenderContext, incident: Incident): IncidentView {
  const zone = zoneOf(ctx.snapshot);
  const locale = localeOf(ctx.snapshot);
  const resolved = !isUnresolved(incident);
  const ended = incidentEndedAt(incident);
  const durationLabel = resolved
    ? formatDuration(Date.parse(ended) - Date.parse(incident.createdAt))
    : null;
  const startedLabel = formatDateTime(incident.createdAt, zone, locale);
  return {
    id: incident.id,
    name: incident.name,
    impact: incident.impact,
    impactLabel: IMPACT_LABEL[incident.impact],
    statusLabel: INCIDENT_STATUS_LABEL[incident.status],
    affected: affectedNames(ctx.snapshot, incident.serviceIds),
    createdAt: incident.createdAt,
    createdAtLabel: startedLabel,
    durationLabel,
    summary: resolved
      ? `${INCIDENT_STATUS_LABEL[incident.status]} · started ${startedLabel}, lasted ${durationLabel}`
      : `${INCIDENT_STATUS_LABEL[incident.status]} · started ${startedLabel}`,
    updates: updateViews(ctx, incident.updates, INCIDENT_STATUS_LABEL),
  };
}

function maintenanceView(ctx: RenderContext, m: Maintenance) {
  const zone = zoneOf(ctx.snapshot);
  const locale = localeOf(ctx.snapshot);
  const phase = maintenancePhase(m, ctx.now);
  return {
    id: m.id,
    name: m.name,
    phaseLabel: MAINTENANCE_STATUS_LABEL[phase],
    windowLabel: `${formatDateTime(m.scheduledFor, zone, locale)} – ${formatDateTime(m.scheduledUntil, zone, locale)}`,
    affected: affectedNames(ctx.snapshot, m.serviceIds),
    updates: updateViews(ctx, m.updates, MAINTENANCE_STATUS_LABEL),
  };
}

const BAR_CLASS = { ok: '', partial: ' class="p"', major: ' class="m"' } as const;
const BAR_WORDS = { ok: '', partial: ', partial outage', major: ', major outage' } as const;

/** The 90 days a page's bars show, labelled in its locale, and the markup of fully-up days. */
interface BarWindow {
  days: readonly string[];
  /** Day (YYYY-MM-DD) → its position in the window. */
  index: ReadonlyMap<string, number>;
  labels: readonly string[];
  /** A service with no outage in the whole window: the same for every such service. */
  allOk: string;
  /** Where each day's bar starts in `allOk` (and, last, its length). */
  offsets: readonly number[];
}

// Keyed by locale and today's date: every render of a page on the same day reuses it.
const barWindows = new Map<string, BarWindow>();

function barWindow(today: string, locale: string): BarWindow {
  const key = `${locale}|${today}`;
  let w = barWindows.get(key);
  if (!w) {
    const days = windowDays(today);
    const labels = days.map((d) => escapeText(formatBarDay(d, locale)));
    // Each bar's text alternative is its date and uptime in the fewest words ("Nov 3: 100%"):
    // 300 services × 90 days of bars make most of a huge page's bytes. `</li>` is optional in
    // HTML and left out for the same reason.
    const okBars = labels.map((l) => `<li><i>${l}: 100%</i>`);
    const offsets = [0];
    for (const bar of okBars) offsets.push(offsets.at(-1)! + bar.length);
    const index = new Map(days.map((d, i) => [d, i]));
    w = { days, index, labels, allOk: okBars.join(''), offsets };
    if (barWindows.size >= 64) barWindows.clear();
    barWindows.set(key, w);
  }
  return w;
}

interface OutageBar {
  at: number;
  up: number;
  html: string;
}

/**
 * The bars of one service as HTML, and its uptime over the window. Labels are our own dates
 * and numbers. A day with no record counts as fully up (the core records only outage days),
 * so only recorded days are looked at: the markup is the window's shared fully-up bars with
 * the outage days spliced in, a few slices instead of 90 pieces per service.
 */
function serviceBars(
  byDay: ReadonlyMap<string, UptimeDay> | undefined,
  w: BarWindow,
): { html: string; uptime: number; uptime30: number } {
  const n = w.days.length;
  const outages: OutageBar[] = [];
  for (const rec of byDay?.values() ?? []) {
    const at = w.index.get(rec.date);
    if (at === undefined) continue;
    const level = barLevel(rec.partialOutageSeconds, rec.majorOutageSeconds);
    if (level === 'ok') continue;
    const up = dayUptime(rec.partialOutageSeconds, rec.majorOutageSeconds);
    const html = `<li${BAR_CLASS[level]}><i>${w.labels[at]}: ${formatPercent(up)}${BAR_WORDS[level]}</i>`;
    outages.push({ at, up, html });
  }
  if (outages.length === 0) return { html: w.allOk, uptime: 1, uptime30: 1 };
  outages.sort((a, b) => a.at - b.at);
  // join() yields one flat string: a page of `+=` ropes costs more to turn into bytes.
  const pieces: string[] = [];
  let from = 0;
  for (const o of outages) {
    pieces.push(w.allOk.slice(w.offsets[from], w.offsets[o.at]), o.html);
    from = o.at + 1;
  }
  pieces.push(w.allOk.slice(w.offsets[from]));
  const html = pieces.join('');
  // Summed day by day in window order, as a visitor would add them up.
  let total = 0;
  // Narrow screens show only the last 30 bars, so they get the matching percentage.
  const from30 = Math.max(0, n - 30);
  let total30 = 0;
  let next = 0;
  for (let i = 0; i < n; i++) {
    let up = 1;
    const o = outages[next];
    if (o !== undefined && o.at === i) {
      up = o.up;
      next += 1;
    }
    total += up;
    if (i >= from30) total30 += up;
  }
  return {
    html,
    uptime: n ? total / n : 1,
    uptime30: n ? total30 / (n - from30) : 1,
  };
}

function escapeText(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export interface ServiceRow {
  name: string;
  description: string | null;
  status: string;
  statusLabel: string;
  icon: string;
  barsHtml: string;
  uptimeLabel: string;
  /** Narrow screens show only the last 30 bars, so they get the matching percentage. */
  uptime30Label: string;
}

/** A service's row, not built yet, and everything it is made of (see html.ts). */
export interface ServiceRowSource {
  /** The row's inputs as a string: the bar window, the service, its uptime records. */
  key: string;
  row(): ServiceRow;
}

export interface SectionSource {
  name: string | null;
  services: ServiceRowSource[];
}

// The status page's etag (documents.ts) and its view read the same rows: worked out once.
const sectionsOf = new WeakMap<PageSnapshot, { at: number; sections: SectionSource[] }>();

/** The status page's service sections: each row as its inputs and a way to build it. */
export function serviceSections(ctx: RenderContext): SectionSource[] {
  const at = ctx.now.getTime();
  const known = sectionsOf.get(ctx.snapshot);
  if (known?.at === at) return known.sections;
  const sections = buildSections(ctx);
  sectionsOf.set(ctx.snapshot, { at, sections });
  return sections;
}

function buildSections(ctx: RenderContext): SectionSource[] {
  const { snapshot } = ctx;
  const today = dayInZone(ctx.now, zoneOf(snapshot));
  const locale = localeOf(snapshot);
  const window = barWindow(today, locale);
  const uptimeIndex = indexUptime(snapshot.uptime);
  const windowKey = `${locale}|${today}`;

  const source = (s: Service): ServiceRowSource => {
    const byDay = uptimeIndex.get(s.id);
    let days = '';
    for (const d of byDay?.values() ?? []) {
      days += `${d.date},${d.partialOutageSeconds},${d.majorOutageSeconds};`;
    }
    return {
      key: `${windowKey}\n${JSON.stringify([s.name, s.description ?? null, s.status])}\n${days}`,
      row: () => {
        const bars = serviceBars(byDay, window);
        return {
          name: s.name,
          description: s.description || null,
          status: s.status,
          statusLabel: SERVICE_STATUS_LABEL[s.status],
          icon: SERVICE_STATUS_ICON[s.status],
          barsHtml: bars.html,
          uptimeLabel: formatPercent(bars.uptime),
          uptime30Label: formatPercent(bars.uptime30),
        };
      },
    };
  };

  return serviceLayout(snapshot).map((section) => ({
    name: section.group?.name ?? null,
    services: section.services.map(source),
  }));
}

function pastDays(ctx: RenderContext) {
  const zone = zoneOf(ctx.snapshot);
  const locale = localeOf(ctx.snapshot);
  const past = pastIncidents(ctx.snapshot.incidents, ctx.now, PAST_INCIDENT_DAYS);
  const byDay = new Map<string, IncidentView[]>();
  for (const i of past) {
    const day = dayInZone(new Date(incidentEndedAt(i)), zone);
    const list = byDay.get(day) ?? [];
    list.push(incidentView(ctx, i));
    byDay.set(day, list);
  }
  const today = dayInZone(ctx.now, zone);
  return windowDays(today, PAST_INCIDENT_DAYS)
    .reverse()
    .map((day) => ({ label: formatDay(day, locale), incidents: byDay.get(day) ?? [] }));
}

const BANNER_ICON = { none: '✓', minor: '!', major: '!', critical: '✕', maint: '⚙' } as const;

export function statusPageView(ctx: RenderContext) {
  const { snapshot, now } = ctx;
  const services = shownServices(snapshot);
  const status = overallStatus(services, snapshot.incidents, snapshot.maintenances, now);
  const bannerClass =
    status.indicator === 'none' && status.description === 'Service Under Maintenance'
      ? 'maint'
      : status.indicator;
  const active = activeIncidents(snapshot.incidents).map((i) => incidentView(ctx, i));
  const maintenances = [
    ...activeMaintenances(snapshot.maintenances, now),
    ...upcomingMaintenances(snapshot.maintenances, now),
  ].map((m) => maintenanceView(ctx, m));
  return {
    ...chrome(
      ctx,
      `${snapshot.page.name} status`,
      `${status.description}. Live status and incident history for ${snapshot.page.name}.`,
    ),
    statusDescription: status.description,
    indicator: status.indicator,
    bannerClass,
    bannerIcon: BANNER_ICON[bannerClass],
    hasActiveIncidents: active.length > 0,
    activeIncidents: active,
    hasMaintenance: maintenances.length > 0,
    maintenances,
    sections: serviceSections(ctx),
    pastDays: pastDays(ctx),
  };
}

export function incidentPageView(ctx: RenderContext, incident: Incident) {
  return {
    ...chrome(
      ctx,
      `${incident.name} · ${ctx.snapshot.page.name} status`,
      `Incident report: ${incident.name}`,
    ),
    incident: incidentView(ctx, incident),
  };
}

export function historyPageView(ctx: RenderContext) {
  const locale = localeOf(ctx.snapshot);
  const zone = zoneOf(ctx.snapshot);
  const months: { key: string; label: string; incidents: IncidentView[] }[] = [];
  for (const incident of allIncidentsNewestFirst(ctx.snapshot.incidents)) {
    const key = dayInZone(new Date(incident.createdAt), zone).slice(0, 7);
    let month = months.at(-1);
    if (month?.key !== key) {
      month = {
        key,
        label: formatMonth(new Date(incident.createdAt), zone, locale),
        incidents: [],
      };
      months.push(month);
    }
    month.incidents.push(incidentView(ctx, incident));
  }
  return {
    ...chrome(
      ctx,
      `Incident history · ${ctx.snapshot.page.name} status`,
      `Past incidents of ${ctx.snapshot.page.name}`,
    ),
    months,
  };
}
