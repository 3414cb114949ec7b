// HTTP load with wrk (Debian's package): a C load generator that leaves most of a 2-core
// machine to the server under test. Loopback only; every run is bounded in time.
import { ensureDebianTool, run } from './machine.ts';

export interface LoadResult {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
}

export interface LoadOptions {
  /** The Host header to send (the page's hostname). */
  host?: string;
  seconds: number;
  connections: number;
}

export function ensureWrk(): string | null {
  return ensureDebianTool('wrk', 'wrk');
}

function toMs(value: string, unit: string): number {
  const n = Number(value);
  if (unit === 'us') return n / 1000;
  if (unit === 'ms') return n;
  if (unit === 's') return n * 1000;
  if (unit === 'm') return n * 60_000;
  throw new Error(`unknown wrk latency unit ${unit}`);
}

export function parseWrk(out: string): LoadResult {
  const latency = (p: string) => {
    const m = new RegExp(`^\\s*${p}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm').exec(out);
    if (!m) throw new Error(`wrk printed no ${p}% latency:\n${out}`);
    return toMs(m[1]!, m[2]!);
  };
  const rps = /^Requests\/sec:\s+([\d.]+)/m.exec(out);
  const requests = /^\s*(\d+) requests in/m.exec(out);
  if (!rps || !requests) throw new Error(`unexpected wrk output:\n${out}`);
  const bad = /Non-2xx or 3xx responses:\s+(\d+)/.exec(out);
  if (bad) throw new Error(`${bad[1]} responses were not 2xx/3xx: the figure would be a lie`);
  const errors = /Socket errors:.*/.exec(out);
  if (errors && /timeout [1-9]|read [1-9]|connect [1-9]/.test(errors[0])) {
    throw new Error(`wrk saw socket errors (${errors[0]})`);
  }
  return {
    rps: Number(rps[1]),
    p50Ms: latency('50'),
    p99Ms: latency('99'),
    requests: Number(requests[1]),
  };
}

export async function wrkLoad(wrk: string, url: string, opts: LoadOptions): Promise<LoadResult> {
  const args = [
    '-t1',
    `-c${opts.connections}`,
    `-d${opts.seconds}s`,
    '--timeout',
    '5s',
    '--latency',
    ...(opts.host ? ['-H', `Host: ${opts.host}`] : []),
    url,
  ];
  const { stdout } = await run(wrk, args, { timeout: (opts.seconds + 20) * 1000 });
  return parseWrk(stdout);
}
