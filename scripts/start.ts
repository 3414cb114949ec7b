// `npm start` (docs/contract.md §4): the worker (bundled as for a deploy, served by Miniflare with
// KV and Durable Objects persisted under STATE_DIR/edge) and origin-sync (a child process,
// journal under STATE_DIR/origin-sync), demo data sent through the real path as signed core
// events, then the URLs to open. A second run reuses everything (keys, journal, edge state);
// sending the demo again is harmless: same ids and versions, answered as duplicates.
// Ctrl-C stops both.
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DEV_CORE_SIGNING_SECRET } from '../origin-sync/config.ts';
import { operatorTokenFile } from '../origin-sync/http/operator-auth.ts';
import { sendAllCoreEvents } from './lib/core-client.ts';
import { DEMO_HOST, demoEvents, PARTNERS_HOST, PRIVATE_HOST } from './lib/demo-events.ts';
import { addDemoSubscribers, DEMO_SUBSCRIBERS } from './lib/demo-subscribers.ts';
import { mintDemoToken } from './lib/demo-tokens.ts';
import { type LocalInbox, startLocalInbox } from './lib/local-inbox.ts';
import { type System, type SystemWorker, startSystem } from './lib/system.ts';
import { waitFor } from './lib/wait.ts';

const env = process.env;
const port = (name: string, fallback: number) => {
  const value = Number(env[name] || fallback);
  if (!Number.isInteger(value) || value < 1 || value > 65_535) {
    console.error(`${name} must be a port number, not ${env[name]}`);
    process.exit(2);
  }
  return value;
};
const WORKER_PORT = port('WORKER_PORT', 8787);
const SYNC_PORT = port('SYNC_PORT', 8788);
const SECRET = env.CORE_SIGNING_SECRET || DEV_CORE_SIGNING_SECRET;
const STATE_DIR = resolve(env.STATE_DIR || '.data');
const DEMO = (env.DEMO ?? '1') !== '0';
const LOCAL_SMTP_PORT = port('LOCAL_SMTP_PORT', 2525);
const LOCAL_INBOX_PORT = port('LOCAL_INBOX_PORT', 1080);
const MAIL_FROM = env.MAIL_FROM || 'status@demo.localhost';

let system: System | null = null;
let inbox: LocalInbox | null = null;
let stopping = false;

async function stopAll(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    await system?.stop();
    await inbox?.stop().catch(() => {});
  }
  process.exit(code);
}

/**
 * Ctrl-C stops both cleanly. Miniflare installs SIGINT/SIGTERM handlers that exit at once
 * (its 'exit' hook still stops workerd); ours replace them, so origin-sync gets to drain
 * and snapshot before we exit. Called again after the system starts.
 */
function handleSignals(): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.removeAllListeners(signal);
    process.on(signal, () => {
      if (!stopping) console.log('\nStopping…');
      void stopAll(0);
    });
  }
}
handleSignals();

/** The demo's clock, fixed at the first run, so re-sending it yields the same events. */
async function demoClock(): Promise<Date> {
  const file = join(STATE_DIR, 'demo.json');
  try {
    const saved = JSON.parse(await readFile(file, 'utf8')) as { now?: string };
    if (saved.now && !Number.isNaN(Date.parse(saved.now))) return new Date(saved.now);
  } catch {
    // first run
  }
  const now = new Date();
  await writeFile(file, JSON.stringify({ now: now.toISOString() }));
  return now;
}

/** Subscribers are made once, on the first run with a local inbox (they are kept after). */
async function demoSubscribers(w: SystemWorker, inboxUrl: string): Promise<string> {
  const file = join(STATE_DIR, 'demo.json');
  const saved = JSON.parse(await readFile(file, 'utf8').catch(() => '{}')) as Record<
    string,
    unknown
  >;
  if (saved.subscribers)
    return `${DEMO_SUBSCRIBERS.length} demo subscribers (kept from the first run)`;
  const confirmed = await addDemoSubscribers(w, DEMO_HOST, inboxUrl).catch((err: unknown) => {
    console.warn(`Demo subscribers not made: ${err instanceof Error ? err.message : err}`);
    return 0;
  });
  if (confirmed === DEMO_SUBSCRIBERS.length) {
    await writeFile(file, JSON.stringify({ ...saved, subscribers: true }));
  }
  return `${confirmed} demo subscribers confirmed through POST /subscribe (${DEMO_SUBSCRIBERS.map((s) => s.email).join(', ')})`;
}

async function main(): Promise<void> {
  // State files 0600 and directories 0700 (keys, journal, the edge's KV and Durable Objects):
  // the child processes inherit the mask.
  process.umask(0o077);
  await mkdir(STATE_DIR, { recursive: true, mode: 0o700 });
  await chmod(STATE_DIR, 0o700);
  // Without SMTP_URL, notification email goes to a local inbox with a web page to read it.
  if (!env.SMTP_URL) {
    inbox = await startLocalInbox({
      smtpPort: LOCAL_SMTP_PORT,
      webPort: LOCAL_INBOX_PORT,
      mailDirectory: join(STATE_DIR, 'inbox'),
    });
  }
  console.log('Building the worker…');
  const logFile = join(STATE_DIR, 'origin-sync.log');
  system = await startSystem({
    stateDir: STATE_DIR,
    secret: SECRET,
    build: { outDir: join(STATE_DIR, 'worker-bundle') },
    worker: { port: WORKER_PORT },
    originSync: {
      port: SYNC_PORT,
      logFile,
      env: {
        // OPERATOR_TOKEN if set; else the system generates one into STATE_DIR (0600) once.
        ...(env.OPERATOR_TOKEN ? { OPERATOR_TOKEN: env.OPERATOR_TOKEN } : {}),
        SMTP_URL: env.SMTP_URL || (inbox?.smtpUrl ?? ''),
        MAIL_FROM,
        // Development: webhooks to a receiver on this machine (http://127.0.0.1:…) are sent.
        WEBHOOK_ALLOW_LOOPBACK: '1',
      },
      // The console shows what needs attention; everything is in the log file.
      onLog: (line) => {
        if (/"level":"(warn|error)"/.test(line) || !line.startsWith('{')) console.log(line);
      },
    },
  });
  handleSignals();
  const { worker, originSync: origin, keys } = system;
  console.log(
    keys.created
      ? `Created keys under ${join(STATE_DIR, 'keys')}`
      : `Reusing ${STATE_DIR} (keys, journal, edge state)`,
  );
  origin.exited.then((code) => {
    if (!stopping) {
      console.error(`origin-sync exited unexpectedly (${code}); see ${logFile}`);
      void stopAll(1);
    }
  });

  const w = `http://${DEMO_HOST}:${WORKER_PORT}/`;
  const lines: string[] = [];
  if (DEMO) {
    const now = await demoClock();
    const jwks = { keys: [keys.demoIssuer.publicJwk as Record<string, unknown>] };
    const events = demoEvents({ now, jwks });
    const sent = await sendAllCoreEvents(system.core, events);
    console.log(
      `Demo data: ${events.length} signed core events (${sent.accepted} new, ${sent.duplicates} already known)`,
    );
    const served = await waitFor(
      async () => (await worker.visit(`http://${DEMO_HOST}/`)).status === 200,
      { timeoutMs: 60_000, intervalMs: 200 },
    ).catch(() => false);
    if (!served) {
      console.warn(`The demo page is not served yet; check ${origin.url}/healthz`);
    }
    if (inbox) console.log(await demoSubscribers(worker, inbox.webUrl));
    const priv = keys.demoIssuer.privateJwk;
    const privateToken = await mintDemoToken(priv, 'page_internal');
    const gold = await mintDemoToken(priv, 'page_partners', { audience: 'gold' });
    const silver = await mintDemoToken(priv, 'page_partners', { audience: 'silver' });
    lines.push(
      `  Public page        ${w}`,
      `  Private page       http://${PRIVATE_HOST}:${WORKER_PORT}/?token=${privateToken}`,
      `  Partners (gold)    http://${PARTNERS_HOST}:${WORKER_PORT}/?token=${gold}`,
      `  Partners (silver)  http://${PARTNERS_HOST}:${WORKER_PORT}/?token=${silver}`,
      '',
      `  Event explorer     ${origin.url}/explorer/pages/page_demo   (sign in with the operator token below)`,
      `  Its JSON           ${origin.url}/v1/pages/page_demo/events`,
    );
  } else {
    lines.push(
      '  No demo data (DEMO=0): send signed core events to POST /v1/events.',
      `  Event explorer     ${origin.url}/explorer   (sign in with the operator token below)`,
    );
  }
  console.log(
    [
      '',
      'Edge status pages are running:',
      `  worker             http://127.0.0.1:${WORKER_PORT}   (state ${join(STATE_DIR, 'edge')})`,
      `  origin-sync        ${origin.url}   (journal ${join(STATE_DIR, 'origin-sync')}, log ${logFile})`,
      '',
      ...lines,
      `  Health             ${origin.url}/healthz`,
      inbox
        ? `  Local inbox        ${inbox.webUrl}   (SMTP ${inbox.smtpUrl.replace('smtp://', '')}; every notification email lands here)`
        : `  Email              sent through SMTP_URL, From ${MAIL_FROM}`,
      '',
      `Operator token (${env.OPERATOR_TOKEN ? 'OPERATOR_TOKEN' : operatorTokenFile(STATE_DIR)}), for every operator endpoint:`,
      `  curl -H 'Authorization: Bearer ${origin.operatorToken}' ${origin.url}/v1/pages/page_demo/events`,
      '',
      'Tokens last 30 days. Ctrl-C stops both.',
    ].join('\n'),
  );
}

main().catch(async (err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  await stopAll(1);
});
