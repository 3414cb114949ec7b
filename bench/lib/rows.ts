// One figure of the benchmark table, and how the table is printed.

/** What a section module (coalescing, freshness, origin-sync throughput) returns: the table's
 * row before `bench/lib/external.ts` gives it its area and ratio. */
export interface SectionRow {
  name: string;
  value: number;
  unit: string;
  baseline?: number;
  baselineName?: string;
  target?: string;
  met?: boolean;
  note?: string;
}

export interface BenchRow {
  /** Which part of the system, e.g. "hot path". */
  area: string;
  name: string;
  value: number | string;
  unit: string;
  /** The same figure measured in the same run for a reference (what it is says `baselineName`). */
  baseline?: number | string;
  baselineName?: string;
  /** value / baseline, when both are numbers and the ratio means something. */
  ratio?: number;
  target?: string;
  /** Whether the target is met; undefined when the row has no target. */
  met?: boolean;
  note?: string;
}

/** A row that could not be measured in this run, and why. */
export function pendingRow(area: string, name: string, why: string): BenchRow {
  return { area, name, value: 'pending', unit: '', note: why };
}

function num(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const abs = Math.abs(v);
  if (abs >= 1000) return Math.round(v).toLocaleString('en-US');
  if (abs >= 100) return v.toFixed(0);
  if (abs >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

function cell(v: number | string | undefined, unit = ''): string {
  if (v === undefined) return '';
  const text = typeof v === 'number' ? num(v) : v;
  return unit && typeof v === 'number' ? `${text} ${unit}` : text;
}

const HEAD = ['area', 'figure', 'value', 'baseline (same run)', 'ratio', 'target', 'met'];

function cells(r: BenchRow): string[] {
  const baseline =
    r.baseline === undefined
      ? ''
      : `${cell(r.baseline, r.unit)}${r.baselineName ? ` (${r.baselineName})` : ''}`;
  return [
    r.area,
    r.name,
    cell(r.value, r.unit),
    baseline,
    r.ratio === undefined ? '' : r.ratio.toFixed(2),
    r.target ?? '',
    r.met === undefined ? '' : r.met ? 'yes' : 'NO',
  ];
}

function escapeCell(s: string): string {
  return s.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

/** A Markdown table, padded so that it also reads well in a terminal. */
export function markdownTable(rows: readonly BenchRow[]): string {
  const body = rows.map((r) => cells(r).map(escapeCell));
  const widths = HEAD.map((h, i) => Math.max(h.length, ...body.map((c) => c[i]!.length)));
  const line = (c: readonly string[]) => `| ${c.map((x, i) => x.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(HEAD), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

/** Notes of rows (what a figure means, why one is missing), numbered under the table. */
export function notes(rows: readonly BenchRow[]): string[] {
  return rows.flatMap((r) => (r.note ? [`- **${r.area} · ${r.name}**: ${r.note}`] : []));
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}
