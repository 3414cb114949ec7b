// The origin-sync half of scripts/lib/system.ts (everything else starts origin-sync through
// that): a real child process, `node origin-sync/main.ts`, healthy before it resolves; and the
// state both halves share (the key pairs) and the free ports they listen on.
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { MEMORY_ENV, MEMORY_NODE_FLAGS, syncKeyFiles } from '../../origin-sync/config.ts';
import { loadOrCreateOperatorToken } from '../../origin-sync/http/operator-auth.ts';
import { type JwkPair, loadOrCreatePair } from '../../origin-sync/keys.ts';
import { waitFor } from './wait.ts';

const ROOT = resolve(import.meta.dirname, '../..');

/** A port free right now on 127.0.0.1 (for a server that must keep its port across restarts). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

export interface SystemKeys {
  /** origin-sync's /_sync signing pair; the worker gets the public half as SYNC_PUBLIC_KEY. */
  sync: JwkPair;
  /** Signs the demo viewer tokens of the private and audience demo pages. */
  demoIssuer: JwkPair;
  created: boolean;
}

/** Creates both key pairs under `<stateDir>/keys` on the first run, then reuses them. */
export async function ensureKeys(stateDir: string): Promise<SystemKeys> {
  const sync = await loadOrCreatePair(syncKeyFiles(stateDir));
  const demoIssuer = await loadOrCreatePair({
    privateKey: join(stateDir, 'keys', 'demo-issuer-private.jwk.json'),
    publicKey: join(stateDir, 'keys', 'demo-issuer-public.jwk.json'),
  });
  return { sync, demoIssuer, created: sync.created || demoIssuer.created };
}

export interface OriginSyncProcessOptions {
  stateDir: string;
  port: number;
  workerUrl: string;
  secret: string;
  /** Extra environment (LOG_LEVEL, EXPLORER_RETENTION, ...). */
  env?: Record<string, string>;
  /** Every log line goes here (appended). */
  logFile?: string;
  /** Also called with each log line (e.g. to echo warnings to a console). */
  onLog?(line: string): void;
  startTimeoutMs?: number;
}

export interface OriginSyncProcess {
  url: string;
  port: number;
  /** What the operator endpoints want as `Authorization: Bearer …`. */
  operatorToken: string;
  child: ChildProcess;
  /** Resolves with the exit code (or the signal's name) when the process ends. */
  exited: Promise<number | string>;
  /** SIGTERM (a clean stop) and wait for the exit. */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
  /** SIGKILL: a crash at an arbitrary moment. */
  kill(): Promise<number | string>;
}

export async function startOriginSyncProcess(
  opts: OriginSyncProcessOptions,
): Promise<OriginSyncProcess> {
  // As npm start does: OPERATOR_TOKEN if set, else the one kept in STATE_DIR (made once).
  const operatorToken =
    opts.env?.OPERATOR_TOKEN || (await loadOrCreateOperatorToken(opts.stateDir)).token;
  // Started as the README's deployment starts it: memory bounded by the heap flag and the
  // malloc settings (origin-sync/config.ts, MEMORY_NODE_FLAGS and MEMORY_ENV).
  const child = spawn(process.execPath, [...MEMORY_NODE_FLAGS, join(ROOT, 'origin-sync/main.ts')], {
    cwd: ROOT,
    env: {
      ...MEMORY_ENV,
      ...process.env,
      SYNC_PORT: String(opts.port),
      SYNC_HOST: '127.0.0.1',
      STATE_DIR: opts.stateDir,
      WORKER_URL: opts.workerUrl,
      CORE_SIGNING_SECRET: opts.secret,
      SYNC_PRIVATE_KEY_FILE: syncKeyFiles(opts.stateDir).privateKey,
      STOP_WITH_PARENT: '1',
      OPERATOR_TOKEN: operatorToken,
      ...opts.env,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  if (opts.logFile) await mkdir(dirname(opts.logFile), { recursive: true });
  const file = opts.logFile ? createWriteStream(opts.logFile, { flags: 'a' }) : null;
  // 'close', not 'exit': only then has every log line been read, and the file is flushed.
  const exited = new Promise<number | string>((resolveExit) => {
    child.once('close', (code, signal) => {
      const result = code ?? signal ?? 'unknown';
      if (file) file.end(() => resolveExit(result));
      else resolveExit(result);
    });
  });
  const stderr: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      file?.write(`${line}\n`);
      opts.onLog?.(line);
      if (stream === child.stderr) stderr.push(line);
    });
  }

  const url = `http://127.0.0.1:${opts.port}`;
  let gone: number | string | null = null;
  exited.then((code) => {
    gone = code;
  });
  const ready = await waitFor(
    async () => (gone !== null ? 'exited' : (await fetch(`${url}/healthz`)).ok && 'healthy'),
    { timeoutMs: opts.startTimeoutMs ?? 30_000, what: 'origin-sync to become healthy' },
  ).catch((err: unknown) => {
    child.kill('SIGKILL');
    throw err;
  });
  if (ready === 'exited') {
    throw new Error(`origin-sync exited (${gone}) while starting: ${stderr.join('\n')}`);
  }

  const signal = async (sig: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(sig);
    return exited;
  };
  return {
    url,
    port: opts.port,
    operatorToken,
    child,
    exited,
    stop: (sig = 'SIGTERM') => signal(sig),
    kill: () => signal('SIGKILL'),
  };
}
