// The worker's one logger: a JSON object per line on the console, which Workers Logs and
// `wrangler tail` keep as structured fields. Callers pass facts, never secrets (no tokens,
// keys or event bodies). Levels map to the console's, so tests can silence or watch them.
export type LogFields = Record<string, unknown>;

function line(level: 'info' | 'warn' | 'error', msg: string, fields: LogFields): string {
  return JSON.stringify({ level, msg, ...fields });
}

export const log = {
  info(msg: string, fields: LogFields = {}): void {
    console.log(line('info', msg, fields));
  },
  warn(msg: string, fields: LogFields = {}): void {
    console.warn(line('warn', msg, fields));
  },
  error(msg: string, fields: LogFields = {}): void {
    console.error(line('error', msg, fields));
  },
};
