// Dates and times as a page's visitors read them: in the page's time zone and locale.
// Intl formatters are costly to build and a huge page formats thousands of labels, so they
// are memoised per (locale, zone, style) for the life of the isolate, and so are date-time labels.

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(
  locale: string,
  timeZone: string,
  style: 'datetime' | 'day' | 'bar' | 'ymd' | 'month',
): Intl.DateTimeFormat {
  const key = `${locale}|${timeZone}|${style}`;
  let f = formatters.get(key);
  if (!f) {
    const options: Intl.DateTimeFormatOptions =
      style === 'datetime'
        ? { dateStyle: 'medium', timeStyle: 'short', timeZone }
        : style === 'day'
          ? { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' }
          : style === 'bar'
            ? { month: 'short', day: 'numeric', timeZone: 'UTC' }
            : style === 'month'
              ? { year: 'numeric', month: 'long', timeZone }
              : { year: 'numeric', month: '2-digit', day: '2-digit', timeZone };
    // en-CA gives the ISO order (YYYY-MM-DD) that calendar-day keys need, whatever the page's locale.
    f = new Intl.DateTimeFormat(style === 'ymd' ? 'en-CA' : locale, options);
    formatters.set(key, f);
  }
  return f;
}

const zoneNames = new Map<string, Intl.DateTimeFormat>();

function zoneAbbreviation(at: Date, locale: string, timeZone: string): string {
  let f = zoneNames.get(`${locale}|${timeZone}`);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, { timeZone, timeZoneName: 'short' });
    zoneNames.set(`${locale}|${timeZone}`, f);
  }
  return f.formatToParts(at).find((p) => p.type === 'timeZoneName')?.value ?? timeZone;
}

// A page shows the same instants many times (an incident's start on the status page, the
// history and its own page, across renders), and formatToParts is the dearest call of a render.
const dateTimeLabels = new Map<string, string>();
const dayLabels = new Map<string, string>();
const MAX_DATE_TIME_LABELS = 20_000;

/** "Nov 21, 2026, 10:00 AM UTC": an absolute time with its zone, so nobody guesses. */
export function formatDateTime(iso: string, timeZone: string, locale: string): string {
  const key = `${locale}|${timeZone}|${iso}`;
  let label = dateTimeLabels.get(key);
  if (label === undefined) {
    const at = new Date(iso);
    label = `${formatter(locale, timeZone, 'datetime').format(at)} ${zoneAbbreviation(at, locale, timeZone)}`;
    if (dateTimeLabels.size >= MAX_DATE_TIME_LABELS) dateTimeLabels.clear();
    dateTimeLabels.set(key, label);
  }
  return label;
}

/** The calendar day (YYYY-MM-DD) an instant falls on in a zone. */
export function dayInZone(at: Date, timeZone: string): string {
  return formatter('en-CA', timeZone, 'ymd').format(at);
}

/** "Nov 3, 2026" for a calendar day, whatever zone the reader is in. */
export function formatDay(day: string, locale: string): string {
  const key = `${locale}|${day}`;
  let label = dayLabels.get(key);
  if (label === undefined) {
    label = formatter(locale, 'UTC', 'day').format(new Date(`${day}T00:00:00Z`));
    if (dayLabels.size >= MAX_DATE_TIME_LABELS) dayLabels.clear();
    dayLabels.set(key, label);
  }
  return label;
}

/**
 * "Nov 3" for a day of the uptime bars: their list says they are the last 90 days, and 300
 * services × 90 bars of labels are most of a huge page's bytes, so the year is left out.
 */
export function formatBarDay(day: string, locale: string): string {
  return formatter(locale, 'UTC', 'bar').format(new Date(`${day}T00:00:00Z`));
}

/** "November 2026": the month an instant falls in, in a zone. */
export function formatMonth(at: Date, timeZone: string, locale: string): string {
  return formatter(locale, timeZone, 'month').format(at);
}

export function addDays(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** The zone's offset from UTC in ms at an instant (positive east of Greenwich). */
function zoneOffsetMs(at: Date, timeZone: string): number {
  const parts = formatter('en-CA', timeZone, 'ymd').formatToParts(at);
  const hm = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at);
  const get = (ps: Intl.DateTimeFormatPart[], t: string) =>
    Number(ps.find((p) => p.type === t)?.value);
  const asUtc = Date.UTC(
    get(parts, 'year'),
    get(parts, 'month') - 1,
    get(parts, 'day'),
    get(hm, 'hour'),
    get(hm, 'minute'),
    get(hm, 'second'),
  );
  return asUtc - Math.floor(at.getTime() / 1000) * 1000;
}

/** The first instant of the next calendar day in a zone: when the uptime bars move on. */
export function nextMidnight(now: Date, timeZone: string): number {
  const tomorrow = addDays(dayInZone(now, timeZone), 1);
  const wall = Date.parse(`${tomorrow}T00:00:00Z`);
  // Two passes settle a DST change that happens on the night itself.
  let guess = wall - zoneOffsetMs(new Date(wall), timeZone);
  guess = wall - zoneOffsetMs(new Date(guess), timeZone);
  return guess;
}

const relativeFormatters = new Map<string, Intl.RelativeTimeFormat>();

/** "5 minutes ago", relative to the render (or the reader's) clock. */
export function formatRelative(iso: string, now: Date, locale: string): string {
  let f = relativeFormatters.get(locale);
  if (!f) {
    f = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
    relativeFormatters.set(locale, f);
  }
  const seconds = Math.round((Date.parse(iso) - now.getTime()) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 60) return f.format(seconds, 'second');
  if (abs < 3600) return f.format(Math.round(seconds / 60), 'minute');
  if (abs < 86_400) return f.format(Math.round(seconds / 3600), 'hour');
  return f.format(Math.round(seconds / 86_400), 'day');
}

/** "2 h 5 min": how long an incident lasted. */
export function formatDuration(ms: number): string {
  const minutes = Math.max(0, Math.round(ms / 60_000));
  if (minutes < 1) return 'less than a minute';
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  const parts: string[] = [];
  if (days) parts.push(`${days} d`);
  if (hours) parts.push(`${hours} h`);
  if (mins && !days) parts.push(`${mins} min`);
  return parts.join(' ');
}

const wallClocks = new Map<string, Intl.DateTimeFormat>();

/**
 * An instant as ISO 8601 with milliseconds and the zone's offset at that instant, the way
 * Statuspage writes its API timestamps ("2026-11-21T11:00:00.000+01:00"; `Z` at offset zero).
 */
export function isoInZone(iso: string, timeZone: string): string {
  // Memoised like the labels above: every render writes the same instants into several
  // API documents, and formatToParts is the dear part.
  const key = `${timeZone}|${iso}`;
  let out = zonedIsos.get(key);
  if (out === undefined) {
    out = computeIsoInZone(iso, timeZone);
    if (zonedIsos.size >= MAX_DATE_TIME_LABELS) zonedIsos.clear();
    zonedIsos.set(key, out);
  }
  return out;
}

const zonedIsos = new Map<string, string>();

function computeIsoInZone(iso: string, timeZone: string): string {
  const ms = Date.parse(iso);
  let f = wallClocks.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    wallClocks.set(timeZone, f);
  }
  const part: Record<string, number> = {};
  for (const p of f.formatToParts(ms)) if (p.type !== 'literal') part[p.type] = Number(p.value);
  const millis = ((ms % 1000) + 1000) % 1000;
  const wall = Date.UTC(
    part.year!,
    part.month! - 1,
    part.day!,
    part.hour!,
    part.minute!,
    part.second!,
    millis,
  );
  const offsetMinutes = Math.round((wall - ms) / 60_000);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const local = new Date(wall).toISOString().slice(0, 23);
  if (offsetMinutes === 0) return `${local}Z`;
  const sign = offsetMinutes > 0 ? '+' : '-';
  const abs = Math.abs(offsetMinutes);
  return `${local}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}
