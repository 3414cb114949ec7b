// Percentages and durations in a page's language, by Intl (plural forms of units included).
// Memoised per locale: a huge page prints thousands of percentages.
import { ContentMemo } from '../memo.ts';
import type { Translator } from './catalogue.ts';

/** `make(locale)` once per locale: Intl formatters are costly to build and cheap to reuse. */
function perLocale<T>(make: (locale: string) => T): (locale: string) => T {
  const made = new Map<string, T>();
  return (locale) => {
    let value = made.get(locale);
    if (value === undefined) {
      value = make(locale);
      made.set(locale, value);
    }
    return value;
  };
}

const percents = perLocale((locale) => ({
  f: new Intl.NumberFormat(locale, {
    style: 'percent',
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
  }),
  memo: new Map<number, string>(),
}));

/** "99.98 %" in the locale: rounded down, so a day with any outage never reads as 100%. */
export function formatPercentIn(locale: string, fraction: number): string {
  const p = percents(locale);
  const hundredths = Math.max(0, Math.floor(fraction * 10_000));
  let out = p.memo.get(hundredths);
  if (out === undefined) {
    // Divide the integer, so the formatter's own rounding never rounds 99.995% up.
    out = p.f.format(hundredths / 10_000);
    p.memo.set(hundredths, out);
  }
  return out;
}

const unitFormats = perLocale((locale) => {
  const unit = (name: 'day' | 'hour' | 'minute') =>
    new Intl.NumberFormat(locale, { style: 'unit', unit: name, unitDisplay: 'short' });
  return {
    day: unit('day'),
    hour: unit('hour'),
    minute: unit('minute'),
    list: new Intl.ListFormat(locale, { type: 'unit', style: 'narrow' }),
  };
});

/** "2 hr 5 min", "2 Std., 5 Min.", "2 時間 5 分": how long an incident lasted. */
export function formatDurationIn(t: Translator, locale: string, ms: number): string {
  const minutes = Math.max(0, Math.round(ms / 60_000));
  if (minutes < 1) return t.text('lessThanMinute');
  // Four Intl calls per incident shown, for a number of minutes: remembered like percentages.
  const key = `${t.language}|${locale}|${minutes}`;
  let out = durations.get(key);
  if (out === undefined) {
    out = formatMinutes(locale, minutes);
    if (durations.size >= 20_000) durations.clear();
    durations.set(key, out);
  }
  return out;
}

const durations = new Map<string, string>();

function formatMinutes(locale: string, minutes: number): string {
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

const relative = perLocale((locale) => new Intl.RelativeTimeFormat(locale, { numeric: 'always' }));

/** "90 days ago", "vor 90 Tagen", "قبل ٩٠ يومًا": the start of the uptime bars. */
export function daysAgo(locale: string, days: number): string {
  return relative(locale).format(-days, 'day');
}

const listFormat = perLocale(
  (locale) => new Intl.ListFormat(locale, { type: 'conjunction', style: 'long' }),
);

// Every publish names each incident's services again (history, incident pages, the status
// page's cards), and ListFormat is a dear call next to a lookup by the names themselves.
// Content-keyed, so a ContentMemo: emptied with the other render memos (a cold isolate's cost).
const lists = new ContentMemo<string>(4096);

/** "A, B and C", "A、B、C", "A وB وC": a list of names as the language joins one. */
export function formatListIn(locale: string, items: readonly string[]): string {
  return lists.get(`${locale}|${JSON.stringify(items)}`, () => listFormat(locale).format(items));
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
