// Percentages and durations in a page's language, by Intl (plural forms of units included).
// Memoised per locale: a huge page prints thousands of percentages.
import type { Translator } from './catalogue.ts';

const percents = new Map<string, { f: Intl.NumberFormat; memo: Map<number, string> }>();

/** "99.98 %" in the locale: rounded down, so a day with any outage never reads as 100%. */
export function formatPercentIn(locale: string, fraction: number): string {
  let p = percents.get(locale);
  if (!p) {
    p = {
      f: new Intl.NumberFormat(locale, {
        style: 'percent',
        minimumFractionDigits: 2,
        maximumFractionDigits: 2,
      }),
      memo: new Map(),
    };
    percents.set(locale, p);
  }
  const hundredths = Math.max(0, Math.floor(fraction * 10_000));
  let out = p.memo.get(hundredths);
  if (out === undefined) {
    // Divide the integer, so the formatter's own rounding never rounds 99.995% up.
    out = p.f.format(hundredths / 10_000);
    p.memo.set(hundredths, out);
  }
  return out;
}

const units = new Map<
  string,
  {
    day: Intl.NumberFormat;
    hour: Intl.NumberFormat;
    minute: Intl.NumberFormat;
    list: Intl.ListFormat;
  }
>();

function unitFormats(locale: string) {
  let u = units.get(locale);
  if (!u) {
    const unit = (name: 'day' | 'hour' | 'minute') =>
      new Intl.NumberFormat(locale, { style: 'unit', unit: name, unitDisplay: 'short' });
    u = {
      day: unit('day'),
      hour: unit('hour'),
      minute: unit('minute'),
      list: new Intl.ListFormat(locale, { type: 'unit', style: 'narrow' }),
    };
    units.set(locale, u);
  }
  return u;
}

/** "2 hr 5 min", "2 Std., 5 Min.", "2 時間 5 分": how long an incident lasted. */
export function formatDurationIn(t: Translator, locale: string, ms: number): string {
  const minutes = Math.max(0, Math.round(ms / 60_000));
  if (minutes < 1) return t.text('lessThanMinute');
  const u = unitFormats(locale);
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  const parts: string[] = [];
  if (days) parts.push(u.day.format(days));
  if (hours) parts.push(u.hour.format(hours));
  if (mins && !days) parts.push(u.minute.format(mins));
  return u.list.format(parts);
}

const relative = new Map<string, Intl.RelativeTimeFormat>();

/** "90 days ago", "vor 90 Tagen", "قبل ٩٠ يومًا": the start of the uptime bars. */
export function daysAgo(locale: string, days: number): string {
  let f = relative.get(locale);
  if (!f) {
    f = new Intl.RelativeTimeFormat(locale, { numeric: 'always' });
    relative.set(locale, f);
  }
  return f.format(-days, 'day');
}

const lists = new Map<string, Intl.ListFormat>();

function listFormat(locale: string): Intl.ListFormat {
  let f = lists.get(locale);
  if (!f) {
    f = new Intl.ListFormat(locale, { type: 'conjunction', style: 'long' });
    lists.set(locale, f);
  }
  return f;
}

/** "A, B and C", "A、B、C", "A وB وC": a list of names as the language joins one. */
export function formatListIn(locale: string, items: readonly string[]): string {
  return listFormat(locale).format(items);
}

/**
 * The same list as HTML: each item through `item` (the caller escapes and isolates it, so a
 * Latin name in an Arabic sentence keeps its own direction), the language's words between.
 */
export function formatListHtmlIn(
  locale: string,
  items: readonly string[],
  item: (text: string) => string,
  literal: (text: string) => string,
): string {
  return listFormat(locale)
    .formatToParts(items)
    .map((p) => (p.type === 'element' ? item(p.value) : literal(p.value)))
    .join('');
}
