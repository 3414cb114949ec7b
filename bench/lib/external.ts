// Benchmarks other parts of the system deliver as modules (`bench/<name>.ts`) exporting an
// async function that returns rows `{ name, value, unit, baseline?, target? }`.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { type BenchRow, pendingRow } from './rows.ts';

const ExternalRow = z.looseObject({
  area: z.string().optional(),
  name: z.string(),
  value: z.union([z.number(), z.string()]),
  unit: z.string().default(''),
  baseline: z.union([z.number(), z.string()]).optional(),
  baselineName: z.string().optional(),
  ratio: z.number().optional(),
  target: z.union([z.string(), z.number()]).optional(),
  met: z.boolean().optional(),
  note: z.string().optional(),
});

type Runner = () => Promise<unknown>;

function runnerOf(mod: Record<string, unknown>): Runner | undefined {
  if (typeof mod.default === 'function') return mod.default as Runner;
  const fns = Object.values(mod).filter((v): v is Runner => typeof v === 'function');
  return fns.length === 1 ? fns[0] : undefined;
}

export async function externalBench(file: string, area: string): Promise<BenchRow[]> {
  const path = resolve(import.meta.dirname, '..', file);
  if (!existsSync(path)) return [pendingRow(area, file, `pending: bench/${file} not on main`)];
  const mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  const runner = runnerOf(mod);
  if (!runner) {
    return [pendingRow(area, file, `bench/${file} exports no single benchmark function`)];
  }
  const rows = z.array(ExternalRow).parse(await runner());
  return rows.map((r) => {
    const ratio =
      r.ratio ??
      (typeof r.value === 'number' && typeof r.baseline === 'number' && r.baseline !== 0
        ? r.value / r.baseline
        : undefined);
    return {
      area: r.area ?? area,
      name: r.name,
      value: r.value,
      unit: r.unit,
      ...(r.baseline !== undefined ? { baseline: r.baseline } : {}),
      ...(r.baselineName ? { baselineName: r.baselineName } : {}),
      ...(ratio !== undefined ? { ratio } : {}),
      ...(r.target !== undefined ? { target: String(r.target) } : {}),
      ...(r.met !== undefined ? { met: r.met } : {}),
      ...(r.note ? { note: r.note } : {}),
    };
  });
}
