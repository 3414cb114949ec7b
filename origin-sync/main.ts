// origin-sync as a process: `node origin-sync/main.ts` (npm start runs it as a child).
// SIGTERM or SIGINT: stop accepting, let accepted batches finish committing, drain the outbox
// briefly, exit 0. A SIGKILL at any moment is also fine: every 202 was committed first.
import { readFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { importSyncKey } from '../worker/sync/token.ts';
import { createCertificateExtension } from './certificates/index.ts';
import { loadConfig, memoryBoundsMissing } from './config.ts';
import type { OriginSyncExtension } from './extensions.ts';
import { startRefusal } from './fail-closed.ts';
import { edgeHostnameClaimer } from './hostname-claims.ts';
import { createApp } from './http/app.ts';
import { operatorTokenFile, readOperatorToken } from './http/operator-auth.ts';
import { createLogger, errorMessage, withFields } from './log.ts';
import { createNotifyExtension } from './notify/index.ts';
import { OriginSync, originSyncDir } from './service.ts';

// A parent that reads our logs may exit first: losing log lines must not stop a clean shutdown.
process.stdout.on('error', () => {});
process.stderr.on('error', () => {});

// Everything origin-sync writes under STATE_DIR (journal, snapshots, certificates' state) is
// its own business: files 0600, directories 0700, whoever else shares the machine.
process.umask(0o077);

const config = loadConfig(process.env);
const log = createLogger(config.logLevel);

async function main(): Promise<void> {
  const refusal = startRefusal(config);
  if (refusal) throw new Error(refusal);
  const operatorToken = config.operatorToken ?? (await readOperatorToken(config.stateDir));
  if (operatorToken === null) {
    throw new Error(
      `no operator token: set OPERATOR_TOKEN or write one to ${operatorTokenFile(config.stateDir)} (npm start does)`,
    );
  }
  const unbounded = memoryBoundsMissing(process.env, [
    ...process.execArgv,
    ...(process.env.NODE_OPTIONS ?? '').split(/\s+/),
  ]);
  if (unbounded.length > 0) {
    // Not fatal: origin-sync works without them, only its peak RSS under a full ingest is then
    // V8's and glibc's defaults (~1.5x higher), not what docs/origin-sync-storage.md says.
    log.warn('origin-sync: started without its memory bounds; start it with them', {
      missing: unbounded,
    });
  }
  if (config.usingDevSecret) {
    log.warn('CORE_SIGNING_SECRET is the development default; set a real secret in production');
  }
  const source = config.privateKey;
  const keyJson =
    'json' in source
      ? source.json
      : await readFile(source.file, 'utf8').catch((err: unknown) => {
          throw new Error(
            `no sync private key: set SYNC_PRIVATE_KEY or create ${source.file} (${errorMessage(err)})`,
          );
        });
  const syncPrivateKey = await importSyncKey(keyJson);

  // Extensions plug in here. The certificate updater (origin-sync/certificates/, driven by
  // CLOUDFLARE_API_BASE_URL, CLOUDFLARE_ZONE_ID and CLOUDFLARE_API_TOKEN) is one: it gets
  // every page's hostnames at start, each change after, and adds GET /v1/pages/:id/domains.
  const certificates = createCertificateExtension({
    config: config.certificates,
    stateDir: config.stateDir,
    log: withFields(log, { component: 'certificates' }),
  });
  // The notifier (origin-sync/notify/, SMTP_URL and MAIL_FROM): leases the deliveries the
  // worker decided, sends them by email and webhook, reports back.
  const notify = createNotifyExtension({
    env: process.env,
    workerUrl: config.workerUrl,
    privateKey: syncPrivateKey,
    log: withFields(log, { component: 'notify' }),
  });
  const extensions: OriginSyncExtension[] = [certificates, notify];

  const sync = await OriginSync.start({
    dir: originSyncDir(config.stateDir),
    workerUrl: config.workerUrl,
    syncPrivateKey,
    cacheBytes: config.sqliteCacheBytes,
    retention: {
      maxAgeMs: config.explorerRetentionDays * 86_400_000,
      maxBytes: config.stateMaxBytes,
    },
    push: {
      concurrency: config.pushConcurrency,
      maxConcurrency: Math.max(64, config.pushConcurrency),
      minIntervalMs: config.pushMinIntervalMs,
    },
    extensions,
    log,
  });

  const app = createApp({
    sync,
    secret: config.coreSigningSecret,
    operatorToken,
    log,
    reservedZones: config.saasZones,
    claimHostnames: edgeHostnameClaimer({
      workerUrl: config.workerUrl,
      privateKey: syncPrivateKey,
    }),
  });
  const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host }) as Server;
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  log.info('origin-sync: listening', {
    url: `http://${config.host}:${port}`,
    workerUrl: config.workerUrl,
    stateDir: config.stateDir,
  });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('origin-sync: stopping', { signal });
    // New connections are refused; requests on open ones get 503 from the app.
    server.close();
    server.closeIdleConnections();
    try {
      await sync.stop({ drainMs: config.drainTimeoutMs });
    } catch (err) {
      log.error('origin-sync: unclean stop', { error: errorMessage(err) });
      process.exit(1);
    }
    server.closeAllConnections();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  // Run by npm start or a test: stop cleanly when the parent goes away (its end of our stdin
  // closes), rather than live on as an orphan holding the port.
  if (process.env.STOP_WITH_PARENT === '1') {
    process.stdin.on('close', () => void shutdown('parent exited'));
    process.stdin.resume();
  }
}

main().catch((err: unknown) => {
  log.error('origin-sync: failed to start', { error: errorMessage(err) });
  process.exit(1);
});
