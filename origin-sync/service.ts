// origin-sync's core: the journal, the state it rebuilds, the pusher that drains the outbox,
// and the extensions, wired together with a start and a clean stop. No HTTP here.
import { join } from 'node:path';
import type { CryptoKey } from 'jose';
import type { CoreEvent } from '../worker/domain/schema.ts';
import { UPTIME_KEEP_DAYS } from '../worker/domain/uptime.ts';
import type { OriginSyncExtension, PageDirectory } from './extensions.ts';
import { Journal, type JournalStats } from './journal/journal.ts';
import type { CompactionPolicy } from './journal/segments.ts';
import { errorMessage, type Logger, silentLogger } from './log.ts';
import type { BackoffPolicy, BreakerOptions } from './push/backoff.ts';
import { Pusher, type PushHealth } from './push/pusher.ts';
import {
  type ConfirmHealth,
  RenderConfirmer,
  type RenderConfirmTiming,
} from './push/render-confirmer.ts';
import type { EventTrace, TraceStep } from './state/explorer.ts';
import {
  type AcceptResult,
  DEFAULT_STATE_OPTIONS,
  OriginState,
  type StateOptions,
  type StateSnapshot,
} from './state/origin-state.ts';
import type { AckRecord, FailRecord, JournalRecord } from './state/records.ts';

export interface OriginSyncOptions {
  /** origin-sync's own directory, e.g. `<STATE_DIR>/origin-sync`. */
  dir: string;
  workerUrl: string;
  syncPrivateKey: CryptoKey;
  state?: StateOptions;
  compaction?: CompactionPolicy;
  push?: {
    concurrency?: number;
    requestTimeoutMs?: number;
    retry?: BackoffPolicy;
    breaker?: BreakerOptions;
    fetch?: typeof fetch;
  };
  /** Confirming the promised render versions (GET /_sync/pages/:id/status). */
  confirm?: { timing?: Partial<RenderConfirmTiming>; concurrency?: number; fetch?: typeof fetch };
  extensions?: OriginSyncExtension[];
  log?: Logger;
  /** The journal can no longer promise durability: the process must stop and replay. */
  onFatal?(err: Error): void;
}

export interface Health {
  ok: boolean;
  status: 'ok' | 'degraded' | 'stopping' | 'failed';
  startedAt: string;
  uptimeS: number;
  outbox: { depth: number; pages: number; oldestAgeS: number | null };
  push: PushHealth;
  /** Events waiting for the edge to publish the render they were promised. */
  renders: ConfirmHealth & { waiting: number; pages: number; oldestAgeS: number | null };
  journal: JournalStats;
  catalogue: { entities: number; pages: number };
  explorer: { events: number; capacity: number };
  [extension: string]: unknown;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class OriginSync {
  readonly directory: PageDirectory;
  readonly extensions: OriginSyncExtension[];
  readonly #log: Logger;
  readonly #startedAt = Date.now();
  #state: OriginState;
  #journal!: Journal;
  #pusher!: Pusher;
  #confirmer!: RenderConfirmer;
  #acceptsInFlight = 0;
  #stopping = false;
  #fatal: Error | null = null;

  private constructor(opts: OriginSyncOptions) {
    this.#log = opts.log ?? silentLogger;
    this.#state = new OriginState(opts.state ?? DEFAULT_STATE_OPTIONS);
    this.extensions = opts.extensions ?? [];
    this.directory = {
      page: (id) => this.#state.catalogue.page(id),
      pages: () => this.#state.catalogue.pages(),
    };
  }

  static async start(opts: OriginSyncOptions): Promise<OriginSync> {
    const sync = new OriginSync(opts);
    const stateOptions = opts.state ?? DEFAULT_STATE_OPTIONS;
    sync.#journal = await Journal.open({
      dir: opts.dir,
      log: sync.#log,
      ...(opts.compaction ? { compaction: opts.compaction } : {}),
      restore: (payload) => {
        const snapshot = JSON.parse(decoder.decode(payload)) as StateSnapshot;
        sync.#state = OriginState.from(snapshot, stateOptions);
      },
      replay: (payload) => {
        sync.#state.apply(JSON.parse(decoder.decode(payload)) as JournalRecord);
      },
      snapshot: () => {
        const cutoff = new Date(Date.now() - UPTIME_KEEP_DAYS * 86_400_000).toISOString();
        sync.#state.catalogue.pruneUptimeBefore(cutoff.slice(0, 10));
        return encoder.encode(JSON.stringify(sync.#state.toSnapshot()));
      },
      onFatal: (err) => {
        sync.#fatal = err;
        opts.onFatal?.(err);
      },
    });
    sync.#pusher = new Pusher({
      workerUrl: opts.workerUrl,
      privateKey: opts.syncPrivateKey,
      queue: {
        pages: () => sync.#state.outbox.pages(),
        peek: (pageId, max) => sync.#state.outbox.peek(pageId, max),
      },
      record: (record) => sync.#record(record),
      log: sync.#log,
      ...Object.fromEntries(Object.entries(opts.push ?? {}).filter(([, v]) => v !== undefined)),
    });
    sync.#confirmer = new RenderConfirmer({
      workerUrl: opts.workerUrl,
      privateKey: opts.syncPrivateKey,
      watch: {
        pages: () => sync.#state.renders.pages(),
        summary: (pageId) => sync.#state.renders.summary(pageId),
      },
      record: (record) => sync.#append(record),
      log: sync.#log,
      ...Object.fromEntries(Object.entries(opts.confirm ?? {}).filter(([, v]) => v !== undefined)),
    });
    const trace = (eventId: string, step: TraceStep) => sync.#state.explorer.step(eventId, step);
    for (const ext of sync.extensions) await ext.start?.(sync.directory, trace);
    sync.#log.info('origin-sync: ready', {
      outboxDepth: sync.#state.outbox.depth,
      pages: sync.#state.catalogue.pages().length,
      explorerEvents: sync.#state.explorer.size,
    });
    sync.#pusher.kick();
    sync.#confirmer.start();
    return sync;
  }

  get accepting(): boolean {
    return !this.#stopping && !this.#fatal;
  }

  /** Journals a validated core batch; resolves once it is fsync'd and fanned out. */
  async accept(
    events: CoreEvent[],
    receivedAt: number,
    validatedAt: number,
  ): Promise<AcceptResult> {
    if (!this.accepting) throw new Error('origin-sync is not accepting events');
    this.#acceptsInFlight++;
    try {
      const record: JournalRecord = {
        kind: 'accept',
        at: Date.now(),
        receivedAt,
        validatedAt,
        events,
      };
      const result = await this.#journal.append(encodeRecord(record), () =>
        this.#state.apply(record),
      );
      if (!result) throw new Error('accept record applied without a result');
      if (result.pages.length > 0) this.#pusher.kick();
      for (const change of result.hostnames) {
        for (const ext of this.extensions) {
          try {
            ext.hostnamesChanged?.(change);
          } catch (err) {
            this.#log.error('extension failed on a hostname change', {
              extension: ext.name,
              pageId: change.pageId,
              error: errorMessage(err),
            });
          }
        }
      }
      return result;
    } finally {
      this.#acceptsInFlight--;
    }
  }

  trace(eventId: string): EventTrace | undefined {
    return this.#state.explorer.get(eventId);
  }

  pageTraces(pageId: string, limit: number): EventTrace[] {
    return this.#state.explorer.forPage(pageId, limit);
  }

  health(): Health {
    const now = Date.now();
    const outbox = this.#state.outbox;
    const oldest = outbox.oldestEnqueuedAt();
    const push = this.#pusher.health();
    const oldestAgeS = oldest === null ? null : Math.max(0, Math.round((now - oldest) / 1000));
    const degraded = push.breaker !== 'closed' || (oldestAgeS ?? 0) > 60;
    const renders = this.#state.renders;
    const oldestWait = renders.oldestSince();
    const health: Health = {
      ok: !this.#fatal,
      status: this.#fatal ? 'failed' : this.#stopping ? 'stopping' : degraded ? 'degraded' : 'ok',
      startedAt: new Date(this.#startedAt).toISOString(),
      uptimeS: Math.round((now - this.#startedAt) / 1000),
      outbox: { depth: outbox.depth, pages: outbox.pages().length, oldestAgeS },
      push,
      renders: {
        waiting: renders.size,
        pages: renders.pages().length,
        oldestAgeS: oldestWait === null ? null : Math.max(0, Math.round((now - oldestWait) / 1000)),
        ...this.#confirmer.health(),
      },
      journal: this.#journal.stats(),
      catalogue: {
        entities: this.#state.catalogue.size,
        pages: this.#state.catalogue.pages().length,
      },
      explorer: { events: this.#state.explorer.size, capacity: this.#state.explorer.capacity },
    };
    for (const ext of this.extensions) {
      if (ext.health) health[ext.name] = ext.health();
    }
    return health;
  }

  /**
   * Stops taking events, lets what was accepted finish journaling, gives the outbox up to
   * `drainMs` to reach the worker, then snapshots (what is still queued is kept for the next
   * start) and closes the journal.
   */
  async stop(opts: { drainMs?: number } = {}): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    while (this.#acceptsInFlight > 0) await new Promise((r) => setTimeout(r, 5));
    const drained = this.#fatal ? false : await this.#pusher.drain(opts.drainMs ?? 2_000);
    await this.#pusher.stop();
    await this.#confirmer.stop();
    for (const ext of this.extensions) await ext.stop?.();
    await this.#journal.close({ snapshot: !this.#fatal });
    this.#log.info('origin-sync: stopped', {
      drained,
      outboxDepth: this.#state.outbox.depth,
    });
  }

  async #record(record: AckRecord | FailRecord): Promise<unknown> {
    const result = await this.#append(record);
    // The worker promised a render version: find out when it is published.
    if (record.kind === 'ack' && record.renderVersion !== null)
      this.#confirmer.watch(record.pageId);
    return result;
  }

  #append(record: JournalRecord): Promise<unknown> {
    return this.#journal.append(encodeRecord(record), () => this.#state.apply(record));
  }
}

function encodeRecord(record: JournalRecord): Uint8Array {
  return encoder.encode(JSON.stringify(record));
}

export function originSyncDir(stateDir: string): string {
  return join(stateDir, 'origin-sync');
}
