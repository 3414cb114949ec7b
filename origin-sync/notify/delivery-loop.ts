// The delivery loop: lease due deliveries from the worker, send each (at most `concurrency`
// at once), write a receipt for every one the receiver acknowledged, and report outcomes in
// batches. Exactly-once towards receivers rests on three rules:
//   - a receipt is committed (fsync'd) before its `delivered` report is sent, and a leased
//     delivery that already has one is reported delivered without being sent again, so a crash
//     between sending and reporting never re-sends what a receiver acknowledged;
//   - no send starts when less than `leaseMarginMs` of its lease is left, so another replica
//     leasing it after the lapse does not send it while this one still is;
//   - only the sends in flight at a SIGKILL can be repeated (at most `concurrency`), with the
//     same delivery id and Message-ID, so receivers can recognise them.
// While the worker cannot be reached the loop backs off (with jitter) and sends nothing new.
//
// Timing is the one scheduler's (origin-sync/schedule/keyed-scheduler.ts, docs/architecture.md
// "One scheduler"), in two instances: `#sends`, a key per leased delivery, at most
// `concurrency` at once; `#calls`, the keys 'lease' and 'report', each due when its poll or
// backoff says (a run looks at the time again and puts itself back if woken early), and
// 'prune', the receipts' retention.
import type {
  DeliveryOutcome,
  DeliveryReport,
  LeasedDelivery,
} from '../../worker/sync/deliveries-contract.ts';
import { MAX_LEASE, MAX_REPORTS } from '../../worker/sync/deliveries-contract.ts';
import { type BackoffPolicy, backoffDelay } from '../backoff-delay.ts';
import { errorMessage, type Logger, silentLogger } from '../log.ts';
import { KeyedScheduler, systemClock } from '../schedule/keyed-scheduler.ts';
import type { Receipt } from '../store/receipts.ts';
import { type DeliveryEdge, EdgeError } from './edge-client.ts';
import { type SendResult, scrub } from './outcome.ts';

/** Receipts, durable when the promises resolve (origin-sync/store/receipts.ts via the commit queue). */
export interface ReceiptBook {
  get(id: string): Receipt | null;
  record(receipt: Receipt): Promise<void>;
  markReported(ids: readonly string[], at: number): Promise<void>;
  unreported(limit: number): Receipt[];
  /** Forgets receipts reported long enough ago (retention); run every `pruneEveryMs`. */
  prune(now: number): Promise<unknown>;
}

/**
 * The `delivered` report of a delivery a receipt says the receiver acknowledged, under `lease`
 * (the receipt's own at start-up, the new lease when one leased again has a receipt).
 */
function receiptReport(
  lease: { id: string; pageId: string; leaseId: string },
  receipt: Receipt,
): DeliveryReport {
  return {
    id: lease.id,
    pageId: lease.pageId,
    leaseId: lease.leaseId,
    outcome: 'delivered',
    at: new Date(receipt.deliveredAt).toISOString(),
    ...(receipt.status !== null ? { status: receipt.status } : {}),
  };
}

export type Send = (delivery: LeasedDelivery, signal: AbortSignal) => Promise<SendResult>;

export interface DeliveryLoopOptions {
  edge: DeliveryEdge;
  receipts: ReceiptBook;
  send: Send;
  /** This process, as the worker records it with each attempt. */
  consumer: string;
  concurrency: number;
  /** How often to ask when nothing was due (a push that applied events asks at once). */
  pollMs: number;
  leaseMs: number;
  /** How many deliveries one lease asks for at most (default: 8 × concurrency). */
  leaseBatch?: number;
  /** No send starts with less than this left of its lease (default: a quarter of leaseMs). */
  leaseMarginMs?: number;
  /** How often receipts' retention runs (default 10 minutes). */
  pruneEveryMs?: number;
  /** Waiting out a worker that does not answer. */
  retry?: BackoffPolicy;
  log?: Logger;
  now?: () => number;
  random?: () => number;
}

export interface DeliveryLoopHealth {
  state: 'running' | 'backing_off' | 'stopped';
  concurrency: number;
  inFlight: number;
  buffered: number;
  reportsPending: number;
  sent: Record<DeliveryOutcome, number>;
  /** Leased deliveries found with a receipt: reported delivered, not sent again. */
  resolvedFromReceipts: number;
  /** Leased deliveries left unsent because too little of their lease was left. */
  leftToLapse: number;
  lastError: string | null;
}

interface PendingReport {
  report: DeliveryReport;
}

export class DeliveryLoop {
  readonly #o: Required<DeliveryLoopOptions>;
  /** Leased and due to be sent, not started yet (in lease order: the scheduler keeps it). */
  readonly #buffered = new Map<string, LeasedDelivery>();
  readonly #reports = new Map<string, PendingReport>();
  readonly #sends: KeyedScheduler<string>;
  readonly #calls: KeyedScheduler<'lease' | 'report' | 'prune'>;
  #leaseFailures = 0;
  #reportFailures = 0;
  #leaseNotBefore = 0;
  #reportNotBefore = 0;
  #nextPollAt = 0;
  #stopped = false;
  #started = false;
  #sent: Record<DeliveryOutcome, number> = { delivered: 0, retry: 0, failed_permanently: 0 };
  #fromReceipts = 0;
  #leftToLapse = 0;
  #lastError: string | null = null;

  constructor(options: DeliveryLoopOptions) {
    this.#o = {
      leaseBatch: Math.min(MAX_LEASE, options.concurrency * 8),
      leaseMarginMs: Math.floor(options.leaseMs / 4),
      pruneEveryMs: 10 * 60_000,
      retry: { initialMs: 500, maxMs: 30_000 },
      log: silentLogger,
      now: Date.now,
      random: Math.random,
      ...options,
    };
    const clock = { ...systemClock, now: this.#o.now };
    const onError = (key: string, err: unknown) =>
      this.#o.log.error('notify: unexpected error', { key, error: errorMessage(err) });
    this.#sends = new KeyedScheduler<string>({
      concurrency: this.#o.concurrency,
      run: (id, signal) => this.#send(id, signal),
      onError,
      clock,
    });
    this.#calls = new KeyedScheduler<'lease' | 'report' | 'prune'>({
      concurrency: 3,
      run: (call) =>
        call === 'lease' ? this.#lease() : call === 'report' ? this.#report() : this.#prune(),
      onError,
      clock,
    });
  }

  /** Reports what a previous run acknowledged but did not get to report, then starts leasing. */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    const left = this.#o.receipts.unreported(100_000);
    // No new lease stands for these: each is reported under the lease it was sent under.
    for (const r of left) this.#queueReport(receiptReport(r, r));
    if (left.length > 0) {
      this.#o.log.info('notify: reporting receipts a previous run left unreported', {
        receipts: left.length,
      });
    }
    this.kick();
    this.#calls.schedule('prune', this.#o.now() + this.#o.pruneEveryMs);
  }

  /** Ask the worker now (a push applied events, so notifications may be due). */
  kick(): void {
    this.#nextPollAt = 0;
    this.#wantLease();
  }

  health(): DeliveryLoopHealth {
    return {
      state: this.#stopped
        ? 'stopped'
        : this.#leaseFailures > 0 || this.#reportFailures > 0
          ? 'backing_off'
          : 'running',
      concurrency: this.#o.concurrency,
      inFlight: this.#sends.running,
      buffered: this.#buffered.size,
      reportsPending: this.#reports.size,
      sent: { ...this.#sent },
      resolvedFromReceipts: this.#fromReceipts,
      leftToLapse: this.#leftToLapse,
      lastError: this.#lastError,
    };
  }

  /**
   * Starts nothing new; lets sends in flight finish for up to `drainMs` (then aborts them),
   * and gives their reports one try. What is leased but unsent simply lapses at the worker;
   * receipts not reported are reported by the next start.
   */
  async stop(drainMs = 5_000): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const id of this.#buffered.keys()) this.#sends.cancel(id);
    this.#buffered.clear();
    this.#calls.cancel('lease');
    this.#calls.cancel('report');
    this.#calls.cancel('prune');
    // Past `drainMs`, stop() aborts the sends' signal.
    await this.#sends.drain(drainMs);
    await this.#sends.stop();
    await this.#calls.stop();
    if (this.#reports.size > 0) await this.#flushReports().catch(() => {});
  }

  /** Leases when there is room for more: now, or when the poll or a backoff says. */
  #wantLease(): void {
    if (this.#stopped || !this.#started) return;
    if (this.#buffered.size >= this.#o.concurrency) return; // the end of a send asks again
    this.#calls.expedite('lease', Math.max(this.#nextPollAt, this.#leaseNotBefore));
  }

  #wantReport(): void {
    if (this.#stopped || !this.#started || this.#reports.size === 0) return;
    this.#calls.expedite('report', this.#reportNotBefore);
  }

  async #lease(): Promise<void> {
    const now = this.#o.now();
    const due = Math.max(this.#nextPollAt, this.#leaseNotBefore);
    if (this.#stopped || this.#buffered.size >= this.#o.concurrency) return;
    if (now < due) {
      this.#calls.schedule('lease', due);
      return;
    }
    const max = Math.max(
      1,
      Math.min(MAX_LEASE, this.#o.leaseBatch - this.#buffered.size - this.#sends.running),
    );
    try {
      const lease = await this.#o.edge.lease({
        consumer: this.#o.consumer,
        max,
        leaseMs: this.#o.leaseMs,
      });
      if (this.#leaseFailures > 0) this.#o.log.info('notify: worker answering leases again');
      this.#leaseFailures = 0;
      for (const d of lease.deliveries) this.#take(d);
      // A full lease means more is due: ask again as soon as there is room.
      this.#nextPollAt = lease.deliveries.length >= max ? 0 : this.#o.now() + this.#o.pollMs;
    } catch (err) {
      this.#leaseFailures++;
      this.#lastError = errorMessage(err);
      const delay = backoffDelay(this.#leaseFailures, this.#o.retry, this.#o.random);
      this.#leaseNotBefore = this.#o.now() + delay;
      const level = this.#leaseFailures === 1 ? 'warn' : 'debug';
      this.#o.log[level]('notify: lease failed; backing off', {
        error: this.#lastError,
        attempt: this.#leaseFailures,
        retryInMs: delay,
      });
    }
    this.#wantLease();
  }

  async #prune(): Promise<void> {
    try {
      await this.#o.receipts.prune(this.#o.now());
    } catch (err) {
      this.#o.log.warn('notify: receipts retention did not run', { error: errorMessage(err) });
    }
    if (!this.#stopped) this.#calls.schedule('prune', this.#o.now() + this.#o.pruneEveryMs);
  }

  async #report(): Promise<void> {
    if (this.#stopped) return;
    if (this.#o.now() < this.#reportNotBefore) {
      this.#calls.schedule('report', this.#reportNotBefore);
      return;
    }
    await this.#flushReports().catch(() => {});
    this.#wantReport();
  }

  #take(d: LeasedDelivery): void {
    // Leased again while this process still sends it (its first lease lapsed): the send in
    // flight reports for it.
    if (this.#sends.has(d.id)) return;
    const receipt = this.#o.receipts.get(d.id);
    if (receipt) {
      this.#fromReceipts++;
      // Under the new lease's id: the one it was sent under has lapsed.
      this.#queueReport(receiptReport(d, receipt));
      return;
    }
    if (this.#stopped) return; // leased as stop() began: it lapses at the worker
    this.#buffered.set(d.id, d);
    this.#sends.schedule(d.id, this.#o.now());
  }

  /** One leased delivery's turn (run by `#sends`). */
  async #send(id: string, signal: AbortSignal): Promise<void> {
    const d = this.#buffered.get(id);
    if (!d) return;
    this.#buffered.delete(id);
    try {
      await this.#sendOne(d, signal);
    } finally {
      this.#wantLease();
    }
  }

  async #sendOne(d: LeasedDelivery, signal: AbortSignal): Promise<void> {
    if (Date.parse(d.leaseExpiresAt) - this.#o.now() < this.#o.leaseMarginMs) {
      // Sent now, it might still be on its way when the lease lapses and another replica
      // (or this one) leases it again: leave it to lapse and go with the next lease.
      this.#leftToLapse++;
      return;
    }
    let result: SendResult;
    try {
      result = await this.#o.send(d, signal);
    } catch (err) {
      result = { outcome: 'retry', error: scrub(errorMessage(err)) };
    }
    const at = this.#o.now();
    if (result.outcome === 'delivered') {
      try {
        await this.#o.receipts.record({
          id: d.id,
          pageId: d.pageId,
          leaseId: d.leaseId,
          status: result.status ?? null,
          deliveredAt: at,
        });
      } catch (err) {
        // The receiver has it, so it is reported delivered all the same; only a crash
        // before that report could now send it again.
        this.#o.log.error('notify: receipt not written', {
          deliveryId: d.id,
          error: errorMessage(err),
        });
      }
    }
    this.#sent[result.outcome]++;
    if (result.outcome !== 'delivered') {
      this.#o.log.info('notify: delivery not delivered', {
        deliveryId: d.id,
        pageId: d.pageId,
        channel: d.channel,
        attempt: d.attempt,
        outcome: result.outcome,
        ...(result.status !== undefined ? { status: result.status } : {}),
        ...(result.error ? { error: result.error } : {}),
      });
    }
    this.#queueReport({
      id: d.id,
      pageId: d.pageId,
      leaseId: d.leaseId,
      outcome: result.outcome,
      at: new Date(at).toISOString(),
      ...(result.status !== undefined ? { status: result.status } : {}),
      ...(result.error ? { error: result.error.slice(0, 500) } : {}),
    });
  }

  #queueReport(report: DeliveryReport): void {
    this.#reports.set(report.id, { report });
    this.#wantReport();
  }

  async #flushReports(): Promise<void> {
    const batch = [...this.#reports.values()].slice(0, MAX_REPORTS).map((p) => p.report);
    if (batch.length === 0) return;
    try {
      await this.#o.edge.report({ consumer: this.#o.consumer, reports: batch });
    } catch (err) {
      if (err instanceof EdgeError && err.status === 400) {
        // The worker will never take these bytes; resending cannot help. Their leases lapse
        // and the deliveries come back (those with a receipt are then reported anew).
        for (const r of batch)
          if (this.#reports.get(r.id)?.report === r) this.#reports.delete(r.id);
        this.#o.log.error('notify: reports refused by the worker', {
          reports: batch.length,
          error: errorMessage(err),
        });
        return;
      }
      this.#reportFailures++;
      this.#lastError = errorMessage(err);
      const delay = backoffDelay(this.#reportFailures, this.#o.retry, this.#o.random);
      this.#reportNotBefore = this.#o.now() + delay;
      this.#o.log[this.#reportFailures === 1 ? 'warn' : 'debug'](
        'notify: report failed; will retry',
        { error: this.#lastError, reports: batch.length, retryInMs: delay },
      );
      throw err;
    }
    this.#reportFailures = 0;
    for (const r of batch) if (this.#reports.get(r.id)?.report === r) this.#reports.delete(r.id);
    const delivered = batch.filter((r) => r.outcome === 'delivered').map((r) => r.id);
    if (delivered.length > 0) {
      await this.#o.receipts.markReported(delivered, this.#o.now()).catch((err: unknown) => {
        // Harmless: the next start reports them again, and `delivered` is final at the worker.
        this.#o.log.warn('notify: receipts not marked reported', { error: errorMessage(err) });
      });
    }
  }
}
