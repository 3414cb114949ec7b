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

/** Index uptime records by service then day, once per render rather than once per bar. */
export function indexUptime(days: readonly UptimeDay[]): Map<string, Map<string, UptimeDay>> {
  const index = new Map<string, Map<string, UptimeDay>>();
  for (const d of days) {
    let byDay = index.get(d.serviceId);
    if (!byDay) {
      byDay = new Map();
      index.set(d.serviceId, byDay);
    }
    byDay.set(d.date, d);
  }
  return index;
}

/** The window of days ending with `today`, oldest first. */
export function windowDays(today: string, count = UPTIME_DAYS): string[] {
  return Array.from({ length: count }, (_, i) => addDays(today, i - count + 1));
}

/** A day with no record counts as fully up: the core records only days with outage. */
export function serviceUptime(
  byDay: Map<string, UptimeDay> | undefined,
  days: readonly string[],
): ServiceUptime {
  let total = 0;
  const bars = days.map((date) => {
    const rec = byDay?.get(date);
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
