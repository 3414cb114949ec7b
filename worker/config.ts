// The worker's tuning variables (RENDER_*), checked with zod in one place. Each is optional and
// its default is right for a deploy; a value that does not parse is reported once per isolate,
// naming the variable, and its default is used: a typo in a tuning knob must not take pages down.
import { z } from 'zod';
import { log } from './log.ts';

const milliseconds = z
  .string()
  .trim()
  .regex(/^\d+$/, 'a whole number of milliseconds')
  .transform(Number);

const FIELDS = {
  RENDER_DEBOUNCE_MS: milliseconds,
  RENDER_MAX_WAIT_MS: milliseconds,
  /** How long an HTML reader waits for a cold-miss render before the skeleton page. */
  RENDER_BUDGET_MS: milliseconds,
  RENDER_LEADING_EDGE: z.enum(['on', 'off']),
  RENDER_OWN_LOCATION: z.enum(['on', 'off']),
} as const;

type Field = keyof typeof FIELDS;
export type RenderVariables = Partial<Record<Field, string>>;

export interface RenderConfig {
  debounceMs?: number;
  maxWaitMs?: number;
  budgetMs?: number;
  leadingEdge?: 'on' | 'off';
  ownLocation?: 'on' | 'off';
}

const reported = new Set<string>();

/** The RENDER_* variables that are set and valid; absent (empty) or invalid ones are left out. */
export function renderConfig(env: RenderVariables): RenderConfig {
  const out: RenderConfig = {};
  for (const name of Object.keys(FIELDS) as Field[]) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    const parsed = FIELDS[name].safeParse(raw);
    if (!parsed.success) {
      const key = `${name}=${raw}`;
      if (!reported.has(key)) {
        if (reported.size > 64) reported.clear();
        reported.add(key);
        log.error('invalid worker variable; its default is used', {
          variable: name,
          problem: parsed.error.issues[0]?.message ?? 'invalid',
        });
      }
      continue;
    }
    if (name === 'RENDER_DEBOUNCE_MS') out.debounceMs = parsed.data as number;
    else if (name === 'RENDER_MAX_WAIT_MS') out.maxWaitMs = parsed.data as number;
    else if (name === 'RENDER_BUDGET_MS') out.budgetMs = parsed.data as number;
    else if (name === 'RENDER_LEADING_EDGE') out.leadingEdge = parsed.data as 'on' | 'off';
    else out.ownLocation = parsed.data as 'on' | 'off';
  }
  return out;
}
