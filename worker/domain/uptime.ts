// 90-day uptime bars and percentages, weighted as Atlassian Statuspage weighs them: a minute
// of major outage counts in full, a minute of partial outage counts 30%.
import type { UptimeDay } from './schema.ts';
import { addDays } from './time.ts';

export const UPTIME_DAYS = 90;
/** Uptime days kept, by the coordinator and by origin-sync: the 90 the bars show plus a margin.
 * Older days are on no page and are pruned. */
export const UPTIME_KEEP_DAYS = 100;
const PARTIAL_WEIGHT = 0.3;
const DAY_SECONDS = 86_400;

export type BarLevel = 'ok' | 'partial' | 'major';

export interface UptimeBar {
  date: string;
  level: BarLevel;
  /** Fraction of the day up, 0..1. */
  uptime: number;
}

export interface ServiceUptime {
  bars: UptimeBar[];
  /** Average over the window, 0..1. */
  uptime: number;
}

export function dayUptime(partialSeconds: number, majorSeconds: number): number {
  const down = majorSeconds + PARTIAL_WEIGHT * partialSeconds;
  return Math.max(0, 1 - Math.min(DAY_SECONDS, down) / DAY_SECONDS);
}

export function barLevel(partialSeconds: number, majorSeconds: number): BarLevel {
  if (majorSeconds > 0) return 'major';
  if (partialSeconds > 0) return 'partial';
  return 'ok';
}

/**
 * Uptime records by service, once per render rather than once per bar: each service's records
 * one a day, in the order its days first appear, a day recorded twice read from its last
 * record (what a map by day would hold). Page storage reads them ordered by service and day,
 * so a service's records are appended to one array (a repeated day replaces the last); a
 * map per service, as this was, cost a huge page ~0.5 ms of its ~5 in workerd. Input out of
 * that order (a day earlier than the service's last) falls back to a map by day for that
 * service.
 */
export function indexUptime(days: readonly UptimeDay[]): Map<string, readonly UptimeDay[]> {
  const index = new Map<string, UptimeDay[]>();
  let unsorted: Set<string> | undefined;
  for (const d of days) {
    const list = index.get(d.serviceId);
    if (list === undefined) {
      index.set(d.serviceId, [d]);
      continue;
    }
    const last = list[list.length - 1]!;
    if (d.date > last.date) list.push(d);
    else if (d.date === last.date) list[list.length - 1] = d;
    else {
      unsorted ??= new Set();
      unsorted.add(d.serviceId);
    }
  }
  if (unsorted) {
    const byDay = new Map<string, Map<string, UptimeDay>>();
    for (const d of days) {
      if (!unsorted.has(d.serviceId)) continue;
      let one = byDay.get(d.serviceId);
      if (!one) {
        one = new Map();
        byDay.set(d.serviceId, one);
      }
      one.set(d.date, d);
    }
    for (const [id, one] of byDay) index.set(id, [...one.values()]);
  }
  return index;
}

/** The window of days ending with `today`, oldest first. */
export function windowDays(today: string, count = UPTIME_DAYS): string[] {
  return Array.from({ length: count }, (_, i) => addDays(today, i - count + 1));
}

/** A day with no record counts as fully up: the core records only days with outage. */
export function serviceUptime(
  records: readonly UptimeDay[] | undefined,
  days: readonly string[],
): ServiceUptime {
  const byDay = new Map(records?.map((r) => [r.date, r]));
  let total = 0;
  const bars = days.map((date) => {
    const rec = byDay.get(date);
    const partial = rec?.partialOutageSeconds ?? 0;
    const major = rec?.majorOutageSeconds ?? 0;
    const uptime = dayUptime(partial, major);
    total += uptime;
    return { date, level: barLevel(partial, major), uptime };
  });
  return { bars, uptime: days.length ? total / days.length : 1 };
}

/** "99.98%": rounded down, so a day with any outage never reads as 100%. */
export function formatPercent(fraction: number): string {
  // Hundredths of a percent in integers: what `(floored / 100).toFixed(2)` prints, without
  // its cost (a huge page prints thousands of these).
  const hundredths = Math.floor(fraction * 10_000);
  if (!(hundredths >= 0)) return `${(hundredths / 100).toFixed(2)}%`;
  const cents = hundredths % 100;
  return `${(hundredths - cents) / 100}.${cents < 10 ? '0' : ''}${cents}%`;
}
