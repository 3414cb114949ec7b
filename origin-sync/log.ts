// Structured logs: one JSON object per line on stdout. Callers pass facts, never secrets
// (no signatures, tokens, keys or event bodies).

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export function createLogger(
  level: LogLevel = 'info',
  write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
  base: LogFields = { service: 'origin-sync' },
): Logger {
  const emit = (at: LogLevel, msg: string, fields?: LogFields) => {
    if (RANK[at] < RANK[level]) return;
    write(JSON.stringify({ ts: new Date().toISOString(), level: at, msg, ...base, ...fields }));
  };
  return {
    debug: (msg, fields) => emit('debug', msg, fields),
    info: (msg, fields) => emit('info', msg, fields),
    warn: (msg, fields) => emit('warn', msg, fields),
    error: (msg, fields) => emit('error', msg, fields),
  };
}

/** The same logger, every line also carrying `fields` (e.g. `{ component: 'certificates' }`). */
export function withFields(log: Logger, fields: LogFields): Logger {
  return {
    debug: (msg, more) => log.debug(msg, { ...fields, ...more }),
    info: (msg, more) => log.info(msg, { ...fields, ...more }),
    warn: (msg, more) => log.warn(msg, { ...fields, ...more }),
    error: (msg, more) => log.error(msg, { ...fields, ...more }),
  };
}

export const silentLogger: Logger = createLogger('error', () => {});

export function errorMessage(err: unknown): string {
  if (err instanceof Error) {
    const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
    return `${err.message}${cause}`;
  }
  return String(err);
}
