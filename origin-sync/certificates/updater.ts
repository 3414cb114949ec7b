// The certificate updater: keeps Cloudflare's custom hostnames in line with the hostnames
// pages claim, and follows each one until its certificate is active. This file is the I/O
// shell: what the pages claim is decided in desired-state.ts, what a Cloudflare answer makes
// of a hostname in hostname-state.ts, what a failure does in failure-policy.ts (all pure).
//
// Desired state comes in through `pageHostnamesChanged` (persisted before it returns); the
// scheduler (origin-sync/schedule/keyed-scheduler.ts, one key per hostname, due at its
// `nextAttemptAt`) sends the API calls that are due, through one gate (pacing, global hold on
// 429 and outages). Every change of a hostname's state is persisted, so a restart resumes
// where it stopped: pending hostnames are followed on, and a create whose answer was lost is
// found again by hostname instead of duplicated.
import { normaliseHostname } from '../../worker/domain/schema.ts';
import type { HostnamesChange } from '../extensions.ts';
import { errorMessage, type Logger, silentLogger } from '../log.ts';
import { KeyedScheduler, systemClock } from '../schedule/keyed-scheduler.ts';
import { ApiGate } from './backoff.ts';
import {
  CloudflareApiError,
  type CustomHostname,
  CustomHostnamesClient,
  type SslRequest,
} from './cloudflare-api.ts';
import { type CertificateConfig, type CertificateTiming, DEFAULT_TIMING } from './config.ts';
import {
  applyPageHostnames,
  type ChangeOutcome,
  type DesiredState,
  pageClaims,
  reconcilePages,
} from './desired-state.ts';
import { afterFailure } from './failure-policy.ts';
import {
  certificateNeedsRevalidation,
  type FollowSettings,
  type HostnamePhase,
  type HostnameState,
  type LastError,
  observe,
  restartFollowing,
  type StepAction,
  type StepDraft,
  type ValidationRecordView,
} from './hostname-state.ts';
import { mayAdopt, mayDelete, ourMetadata } from './ownership.ts';
import type { CertificateStore } from './state-store.ts';

/** One thing that happened to a hostname, attributed to the core event that caused it. */
export interface CertificateStep {
  at: string;
  pageId: string;
  hostname: string;
  action: StepAction;
  detail: string;
  error?: string;
}

export interface CertificateUpdaterOptions {
  config: CertificateConfig;
  /** Where its state is kept: rows of origin-sync's database (state-store.ts). */
  store: CertificateStore;
  /** Called for every step, with the id of the core event that caused it (if known). */
  onStep?: (eventId: string | undefined, step: CertificateStep) => void;
  log?: Logger;
  timing?: Partial<CertificateTiming>;
  now?: () => number;
  random?: () => number;
  fetch?: typeof fetch;
}

export interface DomainView {
  hostname: string;
  state: HostnamePhase;
  /** Cloudflare's `status` of the custom hostname (pending, active, moved, ...). */
  hostnameStatus: string | null;
  /** Cloudflare's `ssl.status` (initializing, pending_validation, ..., active), or "disabled". */
  certificateStatus: string | null;
  customHostnameId: string | null;
  /** What the customer has to publish (ownership and certificate validation). */
  validationRecords: ValidationRecordView[];
  verificationErrors: string[];
  validationErrors: string[];
  lastError: LastError | null;
  nextCheckAt: string | null;
  updatedAt: string;
}

export interface PageDomains {
  pageId: string;
  certificates: 'enabled' | 'disabled';
  domains: DomainView[];
}

export class CertificateUpdater {
  readonly enabled: boolean;
  readonly #config: CertificateConfig;
  readonly #timing: CertificateTiming;
  readonly #follow: FollowSettings;
  readonly #client: CustomHostnamesClient | null;
  readonly #ssl: SslRequest;
  readonly #store: CertificateStore;
  readonly #gate: ApiGate;
  readonly #onStep: CertificateUpdaterOptions['onStep'];
  readonly #log: Logger;
  readonly #now: () => number;

  #state: DesiredState = { pages: new Map(), records: new Map() };
  /** One per start: stop() aborts it, calls waiting for their turn give up. */
  #scheduler: KeyedScheduler<string> | null = null;
  #loaded = false;

  constructor(options: CertificateUpdaterOptions) {
    this.#config = options.config;
    this.enabled = options.config.enabled;
    this.#timing = { ...DEFAULT_TIMING, ...options.timing };
    this.#now = options.now ?? Date.now;
    this.#log = options.log ?? silentLogger;
    this.#onStep = options.onStep;
    this.#store = options.store;
    const random = options.random ? { random: options.random } : {};
    this.#follow = { ...this.#timing, ...random };
    this.#gate = new ApiGate({ ...this.#timing, ...random });
    const config = options.config;
    this.#ssl = { method: config.enabled ? config.sslMethod : 'http', type: 'dv' };
    this.#client = config.enabled
      ? new CustomHostnamesClient({
          baseUrl: config.baseUrl,
          zoneId: config.zoneId,
          apiToken: config.apiToken,
          timeoutMs: this.#timing.requestTimeoutMs,
          now: this.#now,
          beforeRequest: () => this.#gate.pace(this.#now, this.#scheduler?.signal),
          ...(options.fetch ? { fetch: options.fetch } : {}),
        })
      : null;
  }

  /** Loads the saved state, says at start whether certificates are on, and resumes following. */
  async start(): Promise<void> {
    if (this.#scheduler) return;
    if (!this.#loaded) {
      this.#state = this.#store.load();
      this.#loaded = true;
    }
    const config = this.#config;
    if (!config.enabled) {
      this.#log.warn(
        `certificate updater off (${config.reason}): custom hostnames are tracked but no certificates are provisioned`,
      );
      return;
    }
    const now = this.#now();
    const records = [...this.#state.records.values()];
    for (const record of records) {
      // Turned on after running without credentials: provision what pages claimed meanwhile.
      if (record.phase === 'disabled') restartFollowing(record, 'provisioning', now);
    }
    const following = records.filter(
      (r) => r.phase === 'provisioning' || r.phase === 'pending' || r.phase === 'removing',
    ).length;
    this.#log.info(`certificate updater on: zone ${config.zoneId} via ${config.baseUrl}`, {
      hostnames: records.length,
      following,
    });
    this.#scheduler = new KeyedScheduler({
      concurrency: this.#timing.concurrency,
      holdUntil: () => this.#gate.nextStartAt(),
      run: (hostname, signal) => this.#work(hostname, signal),
      onError: (hostname, err) =>
        this.#log.error('certificate work failed', { hostname, error: errorMessage(err) }),
      clock: { ...systemClock, now: this.#now },
    });
    for (const record of records) this.#reschedule(record.hostname);
  }

  /** Stops calling the API, waits for calls in flight, and leaves the state saved. */
  async stop(): Promise<void> {
    await this.#scheduler?.stop();
    this.#scheduler = null;
    await this.#store.flush();
  }

  /**
   * A page now has exactly these hostnames (`[]` when the page was deleted). Resolves once
   * the change is saved; `applied` is false when the version is stale or nothing changed.
   * A hostname another page had is moved, never deleted and recreated. A failed or timed-out
   * hostname the page still lists is followed anew (the customer may have fixed their DNS).
   */
  async pageHostnamesChanged(
    pageId: string,
    hostnames: readonly string[],
    change: Partial<Pick<HostnamesChange, 'eventId' | 'version'>> = {},
  ): Promise<{ applied: boolean }> {
    if (!this.#loaded) throw new Error('CertificateUpdater: call start() first');
    const outcome = applyPageHostnames(
      this.#state,
      { pageId, hostnames, eventId: change.eventId, version: change.version },
      this.#changeContext(),
      false,
    );
    await this.#took(outcome);
    return { applied: outcome.applied };
  }

  /**
   * Brings the desired state in line with every page that exists now (at start, after a
   * crash or a replay that did not call `pageHostnamesChanged`): pages not listed are treated
   * as deleted. Unlike a page change, it does not restart failed or timed-out hostnames.
   */
  async reconcile(
    pages: ReadonlyArray<{ id: string; hostnames: readonly string[] }>,
  ): Promise<void> {
    if (!this.#loaded) throw new Error('CertificateUpdater: call start() first');
    await this.#took(reconcilePages(this.#state, pages, this.#changeContext()));
  }

  #changeContext() {
    return { now: this.#now(), enabled: this.enabled, removalGraceMs: this.#timing.removalGraceMs };
  }

  /** Saves a change of the desired state, then records its steps and schedules its records. */
  async #took(outcome: ChangeOutcome): Promise<void> {
    for (const bad of outcome.invalid) this.#log.warn('ignoring an invalid hostname', bad);
    if (outcome.applied) await this.#persist();
    for (const [record, draft] of outcome.steps) {
      this.#emit(record, draft);
      this.#reschedule(record.hostname);
    }
  }

  /** The record's `nextAttemptAt` is the truth; the scheduler follows it. */
  #reschedule(hostname: string): void {
    const scheduler = this.#scheduler;
    if (!scheduler) return;
    const record = this.#state.records.get(hostname);
    if (!record || record.phase === 'disabled') scheduler.cancel(hostname);
    else if (scheduler.dueAt(hostname) !== record.nextAttemptAt) {
      scheduler.schedule(hostname, record.nextAttemptAt);
    }
  }

  /** The operator's view of one page's hostnames; null for a page the updater never heard of. */
  domains(pageId: string): PageDomains | null {
    const owned = [...this.#state.records.values()].filter((r) => r.pageId === pageId);
    if (!this.#state.pages.has(pageId) && owned.length === 0) return null;
    owned.sort((a, b) => a.hostname.localeCompare(b.hostname));
    return {
      pageId,
      certificates: this.enabled ? 'enabled' : 'disabled',
      domains: owned.map((r) => this.#view(r)),
    };
  }

  /** For origin-sync's `GET /healthz`: counts per state, and whether the API is held. */
  health(): Record<string, unknown> {
    const states: Partial<Record<HostnamePhase, number>> = {};
    for (const r of this.#state.records.values()) {
      const state = this.enabled ? r.phase : 'disabled';
      states[state] = (states[state] ?? 0) + 1;
    }
    const heldUntil = this.#gate.heldUntil;
    return {
      enabled: this.enabled,
      hostnames: this.#state.records.size,
      states,
      ...(heldUntil > this.#now() ? { apiHeldUntil: new Date(heldUntil).toISOString() } : {}),
      apiFailuresInARow: this.#gate.consecutiveFailures,
    };
  }

  /** One hostname's record (tests and diagnostics). */
  hostname(hostname: string): Readonly<HostnameState> | undefined {
    return this.#state.records.get(normaliseHostname(hostname));
  }

  #view(r: HostnameState): DomainView {
    const disabled = !this.enabled;
    const scheduled = !disabled && r.phase !== 'disabled';
    return {
      hostname: r.hostname,
      state: disabled ? 'disabled' : r.phase,
      hostnameStatus: disabled ? 'disabled' : (r.hostnameStatus ?? null),
      certificateStatus: disabled ? 'disabled' : (r.certificateStatus ?? null),
      customHostnameId: r.customHostnameId ?? null,
      validationRecords: r.validationRecords,
      verificationErrors: r.verificationErrors,
      validationErrors: r.validationErrors,
      lastError: r.lastError ?? null,
      nextCheckAt: scheduled ? new Date(r.nextAttemptAt).toISOString() : null,
      updatedAt: r.updatedAt,
    };
  }

  #persist(): Promise<void> {
    return this.#store.save(this.#state);
  }

  #persistInBackground(): void {
    this.#persist().catch((err: unknown) =>
      this.#log.error('cannot save certificate state', { error: errorMessage(err) }),
    );
  }

  #emit(record: HostnameState, draft: StepDraft): void {
    const step: CertificateStep = {
      at: new Date(this.#now()).toISOString(),
      pageId: record.pageId,
      hostname: record.hostname,
      ...draft,
    };
    this.#log[draft.error ? 'warn' : 'info'](`${record.hostname}: ${draft.action}`, {
      pageId: record.pageId,
      detail: draft.detail,
      ...(draft.error ? { error: draft.error } : {}),
      ...(record.eventId ? { eventId: record.eventId } : {}),
    });
    try {
      this.#onStep?.(record.eventId, step);
    } catch (err) {
      this.#log.error('onStep hook failed', { error: errorMessage(err) });
    }
  }

  // ---- one hostname's turn (run by the scheduler) ------------------------------------------

  async #work(hostname: string, signal: AbortSignal): Promise<void> {
    const client = this.#client;
    const record = this.#state.records.get(hostname);
    if (!client || !record) return;
    try {
      if (record.desired === 'absent') {
        await this.#remove(client, record);
        return;
      }
      let ch: CustomHostname;
      const extra: StepDraft[] = [];
      if (!record.customHostnameId) {
        const provisioned = await this.#provision(client, hostname, record.pageId);
        ch = provisioned.ch;
        extra.push({
          action: provisioned.how,
          detail:
            provisioned.how === 'created'
              ? `custom hostname ${ch.id} created (ssl ${this.#ssl.method}/dv)`
              : `existing custom hostname ${ch.id} adopted`,
        });
      } else if (record.revalidate && certificateNeedsRevalidation(record.certificateStatus)) {
        ch = await client.refreshValidation(record.customHostnameId, this.#ssl);
        extra.push({ action: 'restarted', detail: 'asked Cloudflare to retry validation' });
      } else {
        ch = await client.get(record.customHostnameId);
      }
      this.#gate.succeeded();
      this.#apply(hostname, ch, extra);
    } catch (err) {
      // Stopped while waiting for a turn: nothing happened, the saved state resumes it.
      if (signal.aborted) return;
      const current = this.#state.records.get(hostname);
      if (!current) return;
      const steps = afterFailure(current, err, {
        now: this.#now(),
        timing: this.#timing,
        gate: this.#gate,
        zoneId: this.#config.enabled ? this.#config.zoneId : '?',
      });
      this.#persistInBackground();
      for (const draft of steps) this.#emit(current, draft);
    } finally {
      this.#reschedule(hostname);
    }
  }

  /** Finds the hostname at Cloudflare first, so a lost answer or a second replica never duplicates it. */
  async #provision(
    client: CustomHostnamesClient,
    hostname: string,
    pageId: string,
  ): Promise<{ ch: CustomHostname; how: 'created' | 'adopted' }> {
    const adopt = (ch: CustomHostname) => {
      const verdict = mayAdopt(ch, pageId, (other) => pageClaims(this.#state, other, hostname));
      if (!verdict.ok) throw new CloudflareApiError('rejected', verdict.reason);
      return { ch, how: 'adopted' as const };
    };
    const existing = await client.findByHostname(hostname);
    if (existing && existing.status !== 'deleted') return adopt(existing);
    try {
      return { ch: await client.create(hostname, this.#ssl, ourMetadata(pageId)), how: 'created' };
    } catch (err) {
      // "Duplicate custom hostname found": someone created it meanwhile; take that one if ours.
      if (err instanceof CloudflareApiError && err.kind === 'rejected') {
        const again = await client.findByHostname(hostname);
        if (again && again.status !== 'deleted') return adopt(again);
      }
      throw err;
    }
  }

  async #remove(client: CustomHostnamesClient, record: HostnameState): Promise<void> {
    const hostname = record.hostname;
    // One we followed we created or adopted (ours); one found by name is deleted only if ours.
    let id = record.customHostnameId;
    if (!id) {
      const found = await client.findByHostname(hostname);
      const claims = (other: string) => pageClaims(this.#state, other, hostname);
      const verdict = found ? mayDelete(found, claims) : null;
      if (found && verdict?.ok) id = found.id;
      else if (verdict && !verdict.ok) {
        this.#log.warn('custom hostname kept', { hostname, reason: verdict.reason });
      }
    }
    if (id) {
      try {
        await client.delete(id);
      } catch (err) {
        if (!(err instanceof CloudflareApiError && err.kind === 'not_found')) throw err;
      }
    }
    this.#gate.succeeded();
    const current = this.#state.records.get(hostname);
    if (!current) return;
    if (current.desired === 'present') {
      // Claimed again while the delete was on its way: start over.
      delete current.customHostnameId;
      restartFollowing(current, 'provisioning', this.#now());
      this.#persistInBackground();
      this.#emit(current, { action: 'recreating', detail: 'claimed again during deletion' });
      return;
    }
    this.#state.records.delete(hostname);
    this.#persistInBackground();
    this.#emit(current, {
      action: 'deleted',
      detail: id ? `custom hostname ${id} deleted` : 'no custom hostname existed',
    });
  }

  #apply(hostname: string, ch: CustomHostname, extra: StepDraft[]): void {
    const current = this.#state.records.get(hostname);
    if (!current) return;
    const { state, steps } = observe(current, ch, this.#now(), this.#follow);
    this.#state.records.set(hostname, state);
    this.#persistInBackground();
    for (const draft of [...extra, ...steps]) this.#emit(state, draft);
  }
}

/**
 * The event explorer's step (docs/contract.md §3) for a certificate step: always `certificate`,
 * with `error` when something went wrong, the hostname and action leading the detail. Not
 * `failed`: that step means the event did not reach the page, and a certificate still pending
 * validation says nothing about whether the page shows the event.
 */
export function toExplorerStep(step: CertificateStep): {
  step: 'certificate';
  at: string;
  pageId: string;
  detail: string;
  error?: string;
} {
  return {
    step: 'certificate',
    at: step.at,
    pageId: step.pageId,
    detail: `${step.hostname}: ${step.action}: ${step.detail}`,
    ...(step.error ? { error: step.error } : {}),
  };
}
