// Pure: a page snapshot, one variant's slice of it and the clock → the views the templates
// fill. Everything customer-written stays a plain string here; Mustache escapes it. The only
// HTML built here is the uptime bars, from dates and numbers we format ourselves.
import { byNewest } from '../domain/chronology.ts';
import { overallStatus } from '../domain/indicator.ts';
import { serviceLayout } from '../domain/layout.ts';
import type { Incident, Maintenance, Service, UptimeDay } from '../domain/schema.ts';
import { type PageSnapshot, shownServices, zoneOf } from '../domain/snapshot.ts';
import { dayInZone, formatBarDay, formatDateTime, formatDay, formatMonth } from '../domain/time.ts';
import {
  activeIncidents,
  activeMaintenances,
  allIncidentsNewestFirst,
  incidentEndedAt,
  isUnresolved,
  maintenancePhase,
  PAST_INCIDENT_DAYS,
  pastIncidents,
  upcomingMaintenances,
} from '../domain/timeline.ts';
import { barLevel, dayUptime, indexUptime, UPTIME_DAYS, windowDays } from '../domain/uptime.ts';
import { pageUrl } from './api/facts.ts';
import { escapeHtml, type MessageKey, type Translator } from './i18n/catalogue.ts';
import { en } from './i18n/messages/en.ts';
import {
  daysAgo,
  formatDurationIn,
  formatListHtmlIn,
  formatListIn,
  formatPercentIn,
} from './i18n/numbers.ts';
import { autonym, type RenderLanguage } from './i18n/page-language.ts';
import {
  IMPACT_KEY,
  INCIDENT_STATUS_KEY,
  MAINTENANCE_STATUS_KEY,
  overallStatusKey,
  SERVICE_STATUS_ICON,
  SERVICE_STATUS_KEY,
} from './labels.ts';
import { ContentMemo } from './memo.ts';
import { safeHttpUrl } from './safe-url.ts';

export interface RenderContext {
  /** The snapshot of one variant, its page's `locale` the language rendered. */
  snapshot: PageSnapshot;
  now: Date;
  lang: RenderLanguage;
}

export interface PageChrome {
  lang: string;
  dir: 'ltr' | 'rtl';
  /** The path prefix of this language's documents (`''` or `/de`). */
  base: string;
  /** Every word the chrome shows, as HTML (the catalogue's, escaped; see catalogue.ts). */
  w: Readonly<Record<MessageKey, string>>;
  /** The same words as plain text, for attributes. */
  a: Readonly<Record<MessageKey, string>>;
  feedAtomTitle: string;
  feedRssTitle: string;
  timesShownHtml: string;
  /** The same document in every language of the page (hreflang), when it has more than one. */
  alternates: { hreflang: string; href: string }[];
  languages: { tag: string; href: string; name: string; current: boolean }[] | null;
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
  /** HTML: the catalogue's words (escaped, marked when in English). */
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
  /** HTML: "Affects …" with the names escaped. */
  affectedHtml: string;
  createdAt: string;
  createdAtLabel: string;
  durationLabel: string | null;
  startedHtml: string;
  lastedHtml: string;
  /** HTML: a sentence of ours around escaped labels. */
  summary: string;
  updates: UpdateView[];
}

function localeOf(snapshot: PageSnapshot): string {
  return snapshot.page.locale ?? 'en-US';
}

type Words = Readonly<Record<MessageKey, string>>;

/** Every message of a translator, each made once per translator by `make`. */
function allMessages(make: (t: Translator, key: MessageKey) => string): (t: Translator) => Words {
  const made = new WeakMap<Translator, Words>();
  return (t) => {
    let all = made.get(t);
    if (!all) {
      const out = {} as Record<MessageKey, string>;
      for (const key of Object.keys(en) as MessageKey[]) out[key] = make(t, key);
      all = out;
      made.set(t, all);
    }
    return all;
  };
}

/** Every message as HTML, placeholders unfilled: what templates print as `{{{w.key}}}`. */
export const words = allMessages((t, key) => t.html(key));

/** Every message as plain text, for attributes (`aria-label`, `title`). */
export const attributeWords = allMessages((t, key) => t.text(key));

/** A date, time or number inside a sentence: isolated, so its direction never mixes with it. */
function isolated(html: string): string {
  return `<bdi>${html}</bdi>`;
}

function timeHtml(iso: string, label: string): string {
  return `<time datetime="${escapeHtml(iso)}">${escapeHtml(label)}</time>`;
}

export function chrome(
  ctx: RenderContext,
  title: string,
  description: string,
  path: string,
): PageChrome {
  const { page } = ctx.snapshot;
  const theme = page.branding?.theme;
  const zone = zoneOf(ctx.snapshot);
  const { version, t, versions } = ctx.lang;
  const many = versions.length > 1;
  const origin = pageUrl(ctx.snapshot);
  return {
    lang: version.tag,
    dir: version.dir,
    base: version.base,
    w: words(t),
    a: attributeWords(t),
    feedAtomTitle: t.text('feedAtomTitle', { page: page.name }),
    feedRssTitle: t.text('feedRssTitle', { page: page.name }),
    timesShownHtml: t.html('timesShownIn', { zone: isolated(escapeHtml(zone)) }),
    // x-default: the page's own language at `/`, for readers of a language it lacks. Absolute
    // (the page's canonical origin, as the feeds use): search engines and Lighthouse's SEO
    // audit take an hreflang alternate's href as a full URL, and a relative one fails it.
    alternates: many
      ? [
          ...versions.map((v) => ({ hreflang: v.tag, href: `${origin}${v.base}${path}` })),
          { hreflang: 'x-default', href: `${origin}${path}` },
        ]
      : [],
    languages: many
      ? versions.map((v) => ({
          tag: v.tag,
          href: `${v.base}${path}`,
          name: autonym(v.tag),
          current: v === version,
        }))
      : null,
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

function affectedList(snapshot: PageSnapshot, ids: readonly string[]): string[] {
  let shown = shownNames.get(snapshot);
  if (!shown) {
    shown = new Map(shownServices(snapshot).map((s) => [s.id, s.name]));
    shownNames.set(snapshot, shown);
  }
  return ids.flatMap((id) => shown.get(id) ?? []);
}

/**
 * The names of the shown services among `ids`, as a page lists what an incident affects:
 * joined as the page's language joins a list ("A, B and C", "A、B、C").
 */
export function affectedNames(snapshot: PageSnapshot, ids: readonly string[]): string {
  return formatListIn(localeOf(snapshot), affectedList(snapshot, ids));
}

/** "Affects A, B and C" as HTML, each name isolated, or '' when no shown service is. */
function affectsHtml(ctx: RenderContext, ids: readonly string[]): string {
  const names = affectedList(ctx.snapshot, ids);
  if (names.length === 0) return '';
  const locale = localeOf(ctx.snapshot);
  const { t } = ctx.lang;
  return affectsMemo.get(`${t.language}|${locale}|${JSON.stringify(names)}`, () =>
    t.html('affects', {
      services: formatListHtmlIn(locale, names, (name) => isolated(escapeHtml(name)), escapeHtml),
    }),
  );
}

// By language, locale and the names: the same few lists on every render of a page.
const affectsMemo = new ContentMemo<string>(4096);

function updateViews<S extends string>(
  ctx: RenderContext,
  updates: readonly { id: string; status: S; body: string; createdAt: string }[],
  labels: Record<S, MessageKey>,
): UpdateView[] {
  const zone = zoneOf(ctx.snapshot);
  const locale = localeOf(ctx.snapshot);
  const { t } = ctx.lang;
  return byNewest(updates).map((u) => ({
    statusLabel: t.html(labels[u.status]),
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
  const { t } = ctx.lang;
  const resolved = !isUnresolved(incident);
  const ended = incidentEndedAt(incident);
  const durationLabel = resolved
    ? formatDurationIn(t, locale, Date.parse(ended) - Date.parse(incident.createdAt))
    : null;
  const startedLabel = formatDateTime(incident.createdAt, zone, locale);
  const statusLabel = t.html(INCIDENT_STATUS_KEY[incident.status]);
  const time = isolated(timeHtml(incident.createdAt, startedLabel));
  const duration = durationLabel === null ? '' : isolated(escapeHtml(durationLabel));
  const affected = affectedNames(ctx.snapshot, incident.serviceIds);
  return {
    id: incident.id,
    name: incident.name,
    impact: incident.impact,
    impactLabel: t.html(IMPACT_KEY[incident.impact]),
    statusLabel,
    affected,
    affectedHtml: affectsHtml(ctx, incident.serviceIds),
    createdAt: incident.createdAt,
    createdAtLabel: startedLabel,
    durationLabel,
    startedHtml: t.html('started', { time }),
    lastedHtml: durationLabel === null ? '' : t.html('lasted', { duration }),
    summary: resolved
      ? t.html('summaryResolved', { status: statusLabel, time, duration })
      : t.html('summaryOngoing', { status: statusLabel, time }),
    updates: updateViews(ctx, incident.updates, INCIDENT_STATUS_KEY),
  };
}

function maintenanceView(ctx: RenderContext, m: Maintenance) {
  const zone = zoneOf(ctx.snapshot);
  const locale = localeOf(ctx.snapshot);
  const phase = maintenancePhase(m, ctx.now);
  const { t } = ctx.lang;
  const affected = affectedNames(ctx.snapshot, m.serviceIds);
  return {
    id: m.id,
    name: m.name,
    phaseLabel: t.html(MAINTENANCE_STATUS_KEY[phase]),
    windowHtml: `${isolated(timeHtml(m.scheduledFor, formatDateTime(m.scheduledFor, zone, locale)))} – ${isolated(timeHtml(m.scheduledUntil, formatDateTime(m.scheduledUntil, zone, locale)))}`,
    affected,
    affectedHtml: affectsHtml(ctx, m.serviceIds),
    updates: updateViews(ctx, m.updates, MAINTENANCE_STATUS_KEY),
  };
}

const BAR_CLASS = { ok: '', partial: ' class="p"', major: ' class="m"' } as const;

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
  locale: string;
  /** ", partial outage" and the like, in the page's language, as HTML. */
  words: { ok: string; partial: string; major: string };
  /** A day's uptime → its percentage as bar text: outage days repeat the same few. */
  percents: Map<number, string>;
}

// Keyed by locale and today's date: every render of a page on the same day reuses it.
const barWindows = new Map<string, BarWindow>();

function barWindow(today: string, locale: string, t: Translator): BarWindow {
  const key = `${t.language}|${locale}|${today}`;
  let w = barWindows.get(key);
  if (!w) {
    const days = windowDays(today);
    const labels = days.map((d) => escapeText(formatBarDay(d, locale)));
    // Each bar's text alternative is its date and uptime in the fewest words ("Nov 3: 100%"):
    // 300 services × 90 days of bars make most of a huge page's bytes. `</li>` is optional in
    // HTML and left out for the same reason.
    const full = escapeText(formatPercentIn(locale, 1));
    const okBars = labels.map((l) => `<li><i>${l}: ${full}</i>`);
    const offsets = [0];
    for (const bar of okBars) offsets.push(offsets.at(-1)! + bar.length);
    const index = new Map(days.map((d, i) => [d, i]));
    const words = {
      ok: '',
      partial: `, ${t.html('barPartial')}`,
      major: `, ${t.html('barMajor')}`,
    };
    w = {
      days,
      index,
      labels,
      allOk: okBars.join(''),
      offsets,
      locale,
      words,
      percents: new Map(),
    };
    if (barWindows.size >= 64) barWindows.clear();
    barWindows.set(key, w);
  }
  return w;
}

/**
 * The bars of one service as HTML, and its uptime over the window. Labels are our own dates
 * and numbers. A day with no record counts as fully up (the core records only outage days),
 * so only recorded days are looked at: the markup is the window's shared fully-up bars with
 * the outage days spliced in, a few slices instead of 90 pieces per service.
 *
 * `records` are one a day (indexUptime) and, as page storage reads them, oldest first: then
 * the bars and sums are made in one pass, with no object per outage day nor a sort. Records
 * in another order are put in window order first.
 */
function serviceBars(
  records: readonly UptimeDay[] | undefined,
  w: BarWindow,
  inOrder = false,
): { html: string; uptime: number; uptime30: number } {
  const n = w.days.length;
  // Narrow screens show only the last 30 bars, so they get the matching percentage.
  const from30 = Math.max(0, n - 30);
  // join() yields one flat string: a page of `+=` ropes costs more to turn into bytes.
  let pieces: string[] | undefined;
  let from = 0;
  // Summed day by day in window order, as a visitor would add them up: the same additions in
  // the same order as summing all 90 days after splicing, so the same percentages.
  let total = 0;
  let total30 = 0;
  for (const rec of records ?? []) {
    const at = w.index.get(rec.date);
    if (at === undefined) continue;
    const level = barLevel(rec.partialOutageSeconds, rec.majorOutageSeconds);
    if (level === 'ok') continue;
    if (at < from) {
      if (!inOrder) return serviceBars(inWindowOrder(records!, w), w, true);
      continue; // a second record of a day, which indexUptime never gives
    }
    const up = dayUptime(rec.partialOutageSeconds, rec.majorOutageSeconds);
    let percent = w.percents.get(up);
    if (percent === undefined) {
      percent = escapeText(formatPercentIn(w.locale, up));
      if (w.percents.size >= 20_000) w.percents.clear();
      w.percents.set(up, percent);
    }
    pieces ??= [];
    pieces.push(
      w.allOk.slice(w.offsets[from], w.offsets[at]),
      `<li${BAR_CLASS[level]}><i>${w.labels[at]}: ${percent}${w.words[level]}</i>`,
    );
    for (let i = from; i < at; i++) {
      total += 1;
      if (i >= from30) total30 += 1;
    }
    total += up;
    if (at >= from30) total30 += up;
    from = at + 1;
  }
  if (pieces === undefined) return { html: w.allOk, uptime: 1, uptime30: 1 };
  pieces.push(w.allOk.slice(w.offsets[from]));
  for (let i = from; i < n; i++) {
    total += 1;
    if (i >= from30) total30 += 1;
  }
  return {
    html: pieces.join(''),
    uptime: n ? total / n : 1,
    uptime30: n ? total30 / (n - from30) : 1,
  };
}

/** Records by their day's place in the window (days outside it, which show no bar, first). */
function inWindowOrder(records: readonly UptimeDay[], w: BarWindow): UptimeDay[] {
  const at = (r: UptimeDay) => w.index.get(r.date) ?? -1;
  return [...records].sort((a, b) => at(a) - at(b));
}

function escapeText(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export interface ServiceRow {
  name: string;
  description: string | null;
  status: string;
  /** HTML: the catalogue's words. */
  statusLabel: string;
  icon: string;
  barsLabel: string;
  barsHtml: string;
  ago90: string;
  ago30: string;
  uptimeHtml: string;
  /** Narrow screens show only the last 30 bars, so they get the matching percentage. */
  uptime30Html: string;
  todayHtml: string;
}

/** A service's row, not built yet, and everything it is made of (see html.ts). */
export interface ServiceRowSource {
  /**
   * The row's inputs of our own making, ASCII: the bar window, the service's status, its
   * uptime records. Apart from `text`: one wide character in a name would make the page's
   * whole ETag input two bytes a character (fingerprint.ts `digestPartsHex`).
   */
  key: string;
  /** The row's inputs that are the customer's text: the service's name and description. */
  text: string;
  /** Where the row's last markup is kept (html.ts): its service in its bar window. */
  slot: string;
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
  const { t } = ctx.lang;
  const window = barWindow(today, locale, t);
  const uptimeIndex = indexUptime(snapshot.uptime);
  const windowKey = `${t.language}|${locale}|${today}`;
  // What every row of the page prints alike, worked out once per page rather than per row:
  // Intl and catalogue calls are the dearest part of a row once its bars are made.
  const shared = rowWords(t, locale);
  // By the percentage as printed, not the fraction: 600 fractions of a huge page, nearly all
  // different, print as a few hundred percentages at most, each one catalogue call per locale.
  const uptime = (fraction: number) => {
    const percent = formatPercentIn(locale, fraction);
    let html = shared.uptimeHtml.get(percent);
    if (html === undefined) {
      html = t.html('uptime', { percent: isolated(escapeHtml(percent)) });
      shared.uptimeHtml.set(percent, html);
    }
    return html;
  };

  const source = (s: Service): ServiceRowSource => {
    const records = uptimeIndex.get(s.id);
    // No customer text in it, so it stays one byte a character (see ServiceRowSource). One
    // piece per record, concatenated: a third less CPU in workerd than joining six pieces per
    // record, flattening included (the key is compared and hashed flat).
    let key = `${windowKey}\n${s.status}\n`;
    for (const d of records ?? []) {
      key += `${d.date},${d.partialOutageSeconds},${d.majorOutageSeconds};`;
    }
    return {
      key,
      // The name length-prefixed, then the description: no undefined/empty distinction, as the
      // row prints none.
      text: `${s.name.length}:${s.name}${s.description ?? ''}`,
      slot: `${windowKey}|${s.id}`,
      row: () => {
        const bars = serviceBars(records, window);
        return {
          name: s.name,
          description: s.description || null,
          status: s.status,
          statusLabel: shared.statusLabels[s.status],
          icon: SERVICE_STATUS_ICON[s.status],
          barsLabel: t.text('barsLabel', { service: s.name, count: UPTIME_DAYS }),
          barsHtml: bars.html,
          ago90: shared.ago90,
          ago30: shared.ago30,
          uptimeHtml: uptime(bars.uptime),
          uptime30Html: uptime(bars.uptime30),
          todayHtml: shared.todayHtml,
        };
      },
    };
  };

  return serviceLayout(snapshot).map((section) => ({
    name: section.group?.name ?? null,
    services: section.services.map(source),
  }));
}

interface RowWords {
  statusLabels: Readonly<Record<Service['status'], string>>;
  ago90: string;
  ago30: string;
  todayHtml: string;
  /**
   * A percentage as printed → the row's "… uptime" as HTML. At most one entry per hundredth
   * of a percent (formatPercentIn prints no finer), so it needs no limit.
   */
  uptimeHtml: Map<string, string>;
}

// Per language and locale: the words and Intl output every service row shares.
const rowWordsMemo = new Map<string, RowWords>();

function rowWords(t: Translator, locale: string): RowWords {
  const key = `${t.language}|${locale}`;
  let w = rowWordsMemo.get(key);
  if (!w) {
    const statusLabels = {} as Record<Service['status'], string>;
    for (const status of Object.keys(SERVICE_STATUS_KEY) as Service['status'][])
      statusLabels[status] = t.html(SERVICE_STATUS_KEY[status]);
    w = {
      statusLabels,
      ago90: daysAgo(locale, UPTIME_DAYS),
      ago30: daysAgo(locale, 30),
      todayHtml: t.html('today'),
      uptimeHtml: new Map(),
    };
    if (rowWordsMemo.size >= 64) rowWordsMemo.clear();
    rowWordsMemo.set(key, w);
  }
  return w;
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
  const { t } = ctx.lang;
  const description = t.text(overallStatusKey(status));
  const active = activeIncidents(snapshot.incidents).map((i) => incidentView(ctx, i));
  const maintenances = [
    ...activeMaintenances(snapshot.maintenances, now),
    ...upcomingMaintenances(snapshot.maintenances, now),
  ].map((m) => maintenanceView(ctx, m));
  return {
    ...chrome(
      ctx,
      t.text('pageStatus', { page: snapshot.page.name }),
      t.text('statusDescription', { status: description, page: snapshot.page.name }),
      '/',
    ),
    statusDescription: t.html(overallStatusKey(status)),
    lastUpdatedHtml: t.html('lastUpdated', {
      time: isolated(
        timeHtml(
          now.toISOString(),
          formatDateTime(now.toISOString(), zoneOf(snapshot), localeOf(snapshot)),
        ),
      ),
    }),
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
  const { t } = ctx.lang;
  const page = ctx.snapshot.page.name;
  return {
    ...chrome(
      ctx,
      t.text('incidentTitle', { incident: incident.name, page }),
      t.text('incidentDescription', { incident: incident.name }),
      `/incidents/${incident.id}`,
    ),
    backHtml: t.html('pageStatus', { page: escapeHtml(page) }),
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
  const { t } = ctx.lang;
  const page = ctx.snapshot.page.name;
  return {
    ...chrome(
      ctx,
      t.text('historyTitle', { page }),
      t.text('historyDescription', { page }),
      '/history',
    ),
    backHtml: t.html('pageStatus', { page: escapeHtml(page) }),
    months,
  };
}
