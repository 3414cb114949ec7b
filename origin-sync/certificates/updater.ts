// The certificate updater: keeps Cloudflare's custom hostnames in line with the hostnames
// pages claim, and follows each one until its certificate is active.
//
// Desired state comes in through `pageHostnamesChanged` (persisted before it returns);
// one scheduler loop sends the API calls that are due, through one gate (bounded
// concurrency, pacing, global hold on 429 and outages). Every change of a hostname's state
// is persisted, so a restart resumes where it stopped: pending hostnames are followed on,
// and a create whose answer was lost is found again by hostname instead of duplicated.
import { z } from 'zod';
import { isValidHostname, normaliseHostname } from '../../worker/domain/schema.ts';
import { ApiGate, type BackoffPolicy } from './backoff.ts';
import {
  CloudflareApiError,
  type CustomHostname,
  CustomHostnamesClient,
  type SslRequest,
} from './cloudflare-api.ts';
import type { CertificateConfig } from './config.ts';
import {
  certificateNeedsRevalidation,
  type FollowSettings,
  type HostnamePhase,
  HostnameState,
  type LastError,
  newHostnameState,
  observe,
  type StepAction,
  type StepDraft,
  type ValidationRecordView,
} from './hostname-state.ts';
import { mayAdopt, mayDelete, ourMetadata } from './ownership.ts';
import { JsonStateFile } from './state-file.ts';

export interface CertificateTiming {
  /** API calls in flight at once. */
  concurrency: number;
  /** Minimum time between two API calls (Cloudflare allows 1200 calls / 5 min per user). */
  minIntervalMs: number;
  requestTimeoutMs: number;
  /** Global hold after 5xx / network errors, doubling per failure in a row. */
  outageBackoff: BackoffPolicy;
  /** Hold after a 429 without `Retry-After` (Cloudflare blocks for up to five minutes). */
  defaultRetryAfterMs: number;
  maxRetryAfterMs: number;
  /** Following a pending hostname: first poll after `initialMs`, doubling up to `maxMs`. */
  poll: BackoffPolicy;
  /** Give up following (state `timed_out`) after this long without becoming active. */
  followTimeoutMs: number;
  recheckActiveMs: number;
  /** How often a failed or timed-out hostname is looked at again (a customer may fix DNS late). */
  recheckStalledMs: number;
  /** A removed hostname is deleted this long after removal, unless a page claims it again. */
  removalGraceMs: number;
}

export const DEFAULT_TIMING: CertificateTiming = {
  concurrency: 4,
  minIntervalMs: 500,
  requestTimeoutMs: 30_000,
  outageBackoff: { initialMs: 1_000, maxMs: 5 * 60_000 },
  defaultRetryAfterMs: 60_000,
  maxRetryAfterMs: 15 * 60_000,
  poll: { initialMs: 10_000, maxMs: 10 * 60_000 },
  followTimeoutMs: 24 * 3_600_000,
  recheckActiveMs: 24 * 3_600_000,
  recheckStalledMs: 6 * 3_600_000,
  removalGraceMs: 60_000,
};

/** One thing that happened to a hostname, attributed to the core event that caused it. */
export interface CertificateStep {
  at: string;
  pageId: string;
  hostname: string;
  action: StepAction;
  detail: string;
  error?: string;
}

export interface LogEntry {
  level: 'info' | 'warn' | 'error';
  msg: string;
  [field: string]: unknown;
}

export interface CertificateUpdaterOptions {
  config: CertificateConfig;
  /** The JSON file the updater keeps its state in (e.g. `<STATE_DIR>/certificates.json`). */
  stateFile: string;
  /** Called for every step, with the id of the core event that caused it (if known). */
  onStep?: (eventId: string | undefined, step: CertificateStep) => void;
  log?: (entry: LogEntry) => void;
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

export interface HostnamesChange {
  /** The core event (a `status_page.upserted` or `.deleted`) that carried the change. */
  eventId?: string;
  /** The page's version in that event; an older or equal one than last applied is ignored. */
  version?: number;
}

const PageEntry = z.object({
  version: z.number().optional(),
  hostnames: z.array(z.string()),
});
type PageEntry = z.infer<typeof PageEntry>;

const PersistedState = z.object({
  format: z.literal(1),
  pages: z.record(z.string(), PageEntry),
  hostnames: z.record(z.string(), HostnameState),
});

const ERROR_STEP_EVERY = 10;

function defaultLog(entry: LogEntry): void {
  const line = JSON.stringify({
    at: new Date().toISOString(),
    component: 'certificates',
    ...entry,
  });
  if (entry.level === 'info') console.log(line);
  else console.error(line);
}

export class CertificateUpdater {
  readonly enabled: boolean;
  readonly #config: CertificateConfig;
  readonly #timing: CertificateTiming;
  readonly #follow: FollowSettings;
  readonly #client: CustomHostnamesClient | null;
  readonly #ssl: SslRequest;
  readonly #file: JsonStateFile;
  readonly #gate: ApiGate;
  readonly #onStep: CertificateUpdaterOptions['onStep'];
  readonly #log: (entry: LogEntry) => void;
  readonly #now: () => number;

  #pages = new Map<string, PageEntry>();
  #records = new Map<string, HostnameState>();
  #pendingSteps: Array<[HostnameState, StepDraft]> = [];
  #busy = new Set<string>();
  #inFlight = new Set<Promise<void>>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #loaded: Promise<void> | null = null;
  #running = false;
  /** Aborted by `stop()`: calls waiting for their turn give up instead of holding the stop. */
  #stopping = new AbortController();

  constructor(options: CertificateUpdaterOptions) {
    this.#config = options.config;
    this.enabled = options.config.enabled;
    this.#timing = { ...DEFAULT_TIMING, ...options.timing };
    this.#now = options.now ?? Date.now;
    this.#log = options.log ?? defaultLog;
    this.#onStep = options.onStep;
    this.#file = new JsonStateFile(options.stateFile);
    this.#follow = {
      poll: this.#timing.poll,
      followTimeoutMs: this.#timing.followTimeoutMs,
      recheckActiveMs: this.#timing.recheckActiveMs,
      recheckStalledMs: this.#timing.recheckStalledMs,
      ...(options.random ? { random: options.random } : {}),
    };
    this.#gate = new ApiGate({
      concurrency: this.#timing.concurrency,
      minIntervalMs: this.#timing.minIntervalMs,
      outageBackoff: this.#timing.outageBackoff,
      defaultRetryAfterMs: this.#timing.defaultRetryAfterMs,
      maxRetryAfterMs: this.#timing.maxRetryAfterMs,
      ...(options.random ? { random: options.random } : {}),
    });
    const config = options.config;
    this.#ssl = { method: config.enabled ? config.sslMethod : 'http', type: 'dv' };
    this.#client = config.enabled
      ? new CustomHostnamesClient({
          baseUrl: config.baseUrl,
          zoneId: config.zoneId,
          apiToken: config.apiToken,
          timeoutMs: this.#timing.requestTimeoutMs,
          now: this.#now,
          beforeRequest: () => this.#gate.pace(this.#now, this.#stopping.signal),
          ...(options.fetch ? { fetch: options.fetch } : {}),
        })
      : null;
  }

  /** Loads the saved state, says at start whether certificates are on, and resumes following. */
  async start(): Promise<void> {
    if (this.#running) return;
    this.#loaded ??= this.#load();
    await this.#loaded;
    this.#running = true;
    if (this.#stopping.signal.aborted) this.#stopping = new AbortController();
    if (this.#config.enabled) {
      const now = this.#now();
      for (const record of this.#records.values()) {
        if (record.phase === 'disabled') {
          // Turned on after running without credentials: provision what pages claimed meanwhile.
          record.phase = 'provisioning';
          record.followingSince = now;
          record.nextAttemptAt = now;
        }
      }
      const following = [...this.#records.values()].filter(
        (r) => r.phase === 'provisioning' || r.phase === 'pending' || r.phase === 'removing',
      ).length;
      this.#log({
        level: 'info',
        msg: `certificate updater on: zone ${this.#config.zoneId} via ${this.#config.baseUrl}`,
        hostnames: this.#records.size,
        following,
      });
      this.#pump();
    } else {
      this.#log({
        level: 'warn',
        msg: `certificate updater off (${this.#config.reason}): custom hostnames are tracked but no certificates are provisioned`,
      });
    }
  }

  /** Stops calling the API, waits for calls in flight, and leaves the state saved. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#stopping.abort();
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await Promise.allSettled([...this.#inFlight]);
    await this.#file.flush();
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
    change: HostnamesChange = {},
  ): Promise<{ applied: boolean }> {
    if (!this.#loaded) throw new Error('CertificateUpdater: call start() first');
    await this.#loaded;
    const applied = this.#change(pageId, hostnames, change, false);
    if (applied) await this.#persist();
    for (const [record, draft] of this.#pendingSteps.splice(0)) this.#emit(record, draft);
    this.#pump();
    return { applied };
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
    await this.#loaded;
    const listed = new Set(pages.map((p) => p.id));
    let changed = false;
    for (const page of pages) changed = this.#change(page.id, page.hostnames, {}, true) || changed;
    const gone = new Set<string>();
    for (const id of this.#pages.keys()) if (!listed.has(id)) gone.add(id);
    for (const r of this.#records.values()) if (!listed.has(r.pageId)) gone.add(r.pageId);
    for (const id of gone) {
      changed = this.#change(id, [], {}, true) || changed;
      this.#pages.delete(id);
    }
    if (changed) await this.#persist();
    for (const [record, draft] of this.#pendingSteps.splice(0)) this.#emit(record, draft);
    this.#pump();
  }

  /** Applies a page's hostnames to the records; steps are queued until the state is saved. */
  #change(
    pageId: string,
    hostnames: readonly string[],
    change: HostnamesChange,
    reconciling: boolean,
  ): boolean {
    const known = this.#pages.get(pageId);
    if (
      change.version !== undefined &&
      known?.version !== undefined &&
      change.version <= known.version
    ) {
      return false;
    }

    const wanted = [
      ...new Set(
        hostnames.map(normaliseHostname).filter((h) => {
          if (isValidHostname(h)) return true;
          this.#log({ level: 'warn', msg: 'ignoring an invalid hostname', pageId, hostname: h });
          return false;
        }),
      ),
    ].sort();
    const now = this.#now();
    const at = new Date(now).toISOString();
    const { eventId } = change;
    const steps = this.#pendingSteps;
    const before = steps.length;

    for (const hostname of wanted) {
      const existing = this.#records.get(hostname);
      if (!existing) {
        const record = newHostnameState(hostname, pageId, now, this.enabled, eventId);
        this.#records.set(hostname, record);
        steps.push([
          record,
          {
            action: 'requested',
            detail: this.enabled
              ? 'new hostname: a custom hostname and certificate will be requested'
              : 'new hostname (certificates disabled: nothing requested)',
          },
        ]);
        continue;
      }
      const record = existing;
      if (eventId !== undefined) record.eventId = eventId;
      const previousOwner = record.pageId;
      record.pageId = pageId;
      record.updatedAt = at;
      if (record.desired === 'absent') {
        record.desired = 'present';
        record.phase = this.#phaseAfterCancelledRemoval(record);
        record.nextAttemptAt = now;
        steps.push([
          record,
          previousOwner === pageId
            ? { action: 'removal_cancelled', detail: 'claimed again before removal; kept' }
            : {
                action: 'moved',
                detail: `moved from page ${previousOwner}; custom hostname and certificate kept`,
              },
        ]);
      } else if (previousOwner !== pageId) {
        steps.push([
          record,
          {
            action: 'moved',
            detail: `moved from page ${previousOwner}; custom hostname and certificate kept`,
          },
        ]);
      } else if (!reconciling && (record.phase === 'failed' || record.phase === 'timed_out')) {
        // Saving the page again is how an operator says "the customer fixed their DNS".
        record.phase = record.customHostnameId ? 'pending' : 'provisioning';
        record.revalidate = certificateNeedsRevalidation(record.certificateStatus);
        record.polls = 0;
        record.followingSince = now;
        record.nextAttemptAt = now;
        steps.push([record, { action: 'restarted', detail: 'page saved again: following anew' }]);
      }
    }

    const wantedSet = new Set(wanted);
    for (const record of this.#records.values()) {
      if (record.pageId !== pageId || record.desired !== 'present') continue;
      if (wantedSet.has(record.hostname)) continue;
      if (eventId !== undefined) record.eventId = eventId;
      record.updatedAt = at;
      if (!this.enabled) {
        this.#records.delete(record.hostname);
        steps.push([record, { action: 'deleted', detail: 'removed from the page' }]);
        continue;
      }
      record.desired = 'absent';
      record.phase = 'removing';
      record.nextAttemptAt = now + this.#timing.removalGraceMs;
      steps.push([
        record,
        {
          action: 'removal_scheduled',
          detail: `removed from the page; the custom hostname is deleted after ${Math.round(
            this.#timing.removalGraceMs / 1000,
          )} s unless a page claims it`,
        },
      ]);
    }

    const previous = this.#pages.get(pageId);
    const version = change.version ?? previous?.version;
    const samePage =
      previous !== undefined &&
      previous.version === version &&
      previous.hostnames.join('\n') === wanted.join('\n');
    this.#pages.set(pageId, { ...(version !== undefined ? { version } : {}), hostnames: wanted });
    return steps.length > before || !samePage;
  }

  /** The operator's view of one page's hostnames; null for a page the updater never heard of. */
  domains(pageId: string): PageDomains | null {
    const owned = [...this.#records.values()].filter((r) => r.pageId === pageId);
    if (!this.#pages.has(pageId) && owned.length === 0) return null;
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
    for (const r of this.#records.values()) {
      const state = this.enabled ? r.phase : 'disabled';
      states[state] = (states[state] ?? 0) + 1;
    }
    const heldUntil = this.#gate.heldUntil;
    return {
      enabled: this.enabled,
      hostnames: this.#records.size,
      states,
      ...(heldUntil > this.#now() ? { apiHeldUntil: new Date(heldUntil).toISOString() } : {}),
      apiFailuresInARow: this.#gate.consecutiveFailures,
    };
  }

  /** One hostname's record (tests and diagnostics). */
  hostname(hostname: string): Readonly<HostnameState> | undefined {
    return this.#records.get(normaliseHostname(hostname));
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

  #phaseAfterCancelledRemoval(record: HostnameState): HostnamePhase {
    if (!this.enabled) return 'disabled';
    if (!record.customHostnameId) return 'provisioning';
    // Look again right away: the next answer puts it back to active, pending or failed.
    return 'pending';
  }

  async #load(): Promise<void> {
    let text: string | null;
    try {
      text = await this.#file.read();
    } catch (err) {
      throw new Error(`cannot read ${this.#file.path}: ${String(err)}`);
    }
    if (text === null) return;
    let parsed: z.infer<typeof PersistedState> | undefined;
    try {
      parsed = PersistedState.parse(JSON.parse(text));
    } catch (err) {
      // Losing this file loses little: pages are re-announced by origin-sync and existing
      // custom hostnames are adopted by hostname. Keep the bad file for a human.
      const aside = await this.#file.setAside();
      this.#log({
        level: 'error',
        msg: 'certificate state unreadable; starting empty',
        file: this.#file.path,
        keptAs: aside,
        error: String(err),
      });
      return;
    }
    this.#pages = new Map(Object.entries(parsed.pages));
    this.#records = new Map(Object.entries(parsed.hostnames));
  }

  #persist(): Promise<void> {
    return this.#file.save(() =>
      JSON.stringify({
        format: 1,
        pages: Object.fromEntries(this.#pages),
        hostnames: Object.fromEntries(this.#records),
      }),
    );
  }

  #persistInBackground(): void {
    this.#persist().catch((err: unknown) =>
      this.#log({ level: 'error', msg: 'cannot save certificate state', error: String(err) }),
    );
  }

  #emit(record: HostnameState, draft: StepDraft): void {
    const step: CertificateStep = {
      at: new Date(this.#now()).toISOString(),
      pageId: record.pageId,
      hostname: record.hostname,
      ...draft,
    };
    this.#log({
      level: draft.error ? 'warn' : 'info',
      msg: `${record.hostname}: ${draft.action}`,
      pageId: record.pageId,
      detail: draft.detail,
      ...(draft.error ? { error: draft.error } : {}),
      ...(record.eventId ? { eventId: record.eventId } : {}),
    });
    try {
      this.#onStep?.(record.eventId, step);
    } catch (err) {
      this.#log({ level: 'error', msg: 'onStep hook failed', error: String(err) });
    }
  }

  // ---- the scheduler -------------------------------------------------------------------

  #pump(): void {
    if (!this.#running || !this.#client) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    for (;;) {
      const startAt = this.#gate.nextStartAt();
      if (startAt === Number.POSITIVE_INFINITY) return; // a finishing call pumps again
      const due = this.#earliestDue();
      if (!due) return;
      const now = this.#now();
      const at = Math.max(startAt, due.nextAttemptAt);
      if (at > now) {
        this.#timer = setTimeout(() => this.#pump(), Math.min(at - now, 2 ** 31 - 1));
        this.#timer.unref?.();
        return;
      }
      this.#launch(due.hostname);
    }
  }

  #earliestDue(): HostnameState | undefined {
    let best: HostnameState | undefined;
    for (const r of this.#records.values()) {
      if (r.phase === 'disabled' || this.#busy.has(r.hostname)) continue;
      if (!best || r.nextAttemptAt < best.nextAttemptAt) best = r;
    }
    return best;
  }

  #launch(hostname: string): void {
    this.#busy.add(hostname);
    this.#gate.begin();
    const run = this.#work(hostname)
      .catch((err: unknown) =>
        this.#log({ level: 'error', msg: 'certificate work failed', hostname, error: String(err) }),
      )
      .finally(() => {
        this.#busy.delete(hostname);
        this.#gate.end();
        this.#inFlight.delete(run);
        this.#pump();
      });
    this.#inFlight.add(run);
  }

  async #work(hostname: string): Promise<void> {
    const client = this.#client;
    const record = this.#records.get(hostname);
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
      if (this.#stopping.signal.aborted) return;
      this.#failed(hostname, err);
    }
  }

  /** Finds the hostname at Cloudflare first, so a lost answer or a second replica never duplicates it. */
  async #provision(
    client: CustomHostnamesClient,
    hostname: string,
    pageId: string,
  ): Promise<{ ch: CustomHostname; how: 'created' | 'adopted' }> {
    const adopt = (ch: CustomHostname) => {
      const verdict = mayAdopt(ch, pageId, (other) => this.#claims(other, hostname));
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

  /** Whether a live page other than the hostname's current record names it. */
  #claims(pageId: string, hostname: string): boolean {
    return this.#pages.get(pageId)?.hostnames.includes(hostname) ?? false;
  }

  async #remove(client: CustomHostnamesClient, record: HostnameState): Promise<void> {
    const hostname = record.hostname;
    // One we followed we created or adopted (ours); one found by name is deleted only if ours.
    let id = record.customHostnameId;
    if (!id) {
      const found = await client.findByHostname(hostname);
      const verdict = found ? mayDelete(found, (other) => this.#claims(other, hostname)) : null;
      if (found && verdict?.ok) id = found.id;
      else if (found && verdict && !verdict.ok) {
        this.#log({ level: 'warn', msg: 'custom hostname kept', hostname, reason: verdict.reason });
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
    const current = this.#records.get(hostname);
    if (!current) return;
    if (current.desired === 'present') {
      // Claimed again while the delete was on its way: start over.
      delete current.customHostnameId;
      this.#restartFollowing(current, 'provisioning');
      this.#persistInBackground();
      this.#emit(current, { action: 'recreating', detail: 'claimed again during deletion' });
      return;
    }
    this.#records.delete(hostname);
    this.#persistInBackground();
    this.#emit(current, {
      action: 'deleted',
      detail: id ? `custom hostname ${id} deleted` : 'no custom hostname existed',
    });
  }

  #restartFollowing(record: HostnameState, phase: HostnamePhase): void {
    const now = this.#now();
    record.phase = phase;
    record.polls = 0;
    record.followingSince = now;
    record.nextAttemptAt = now;
    record.updatedAt = new Date(now).toISOString();
  }

  #apply(hostname: string, ch: CustomHostname, extra: StepDraft[]): void {
    const current = this.#records.get(hostname);
    if (!current) return;
    const { state, steps } = observe(current, ch, this.#now(), this.#follow);
    this.#records.set(hostname, state);
    this.#persistInBackground();
    for (const draft of [...extra, ...steps]) this.#emit(state, draft);
  }

  #failed(hostname: string, err: unknown): void {
    const record = this.#records.get(hostname);
    if (!record) return;
    const now = this.#now();
    const at = new Date(now).toISOString();
    const kind = err instanceof CloudflareApiError ? err.kind : 'unexpected';
    let message = err instanceof Error ? err.message : String(err);
    let stepAction: StepAction = 'retrying';

    switch (kind) {
      case 'rate_limited': {
        const until = this.#gate.rateLimited(
          now,
          err instanceof CloudflareApiError ? err.retryAfterMs : undefined,
        );
        record.nextAttemptAt = until;
        message = `rate limited by Cloudflare (${message}); all calls wait until ${new Date(until).toISOString()}`;
        break;
      }
      case 'unavailable':
      case 'invalid_response': {
        record.nextAttemptAt = this.#gate.unavailable(now);
        break;
      }
      case 'not_found': {
        if (!record.customHostnameId) {
          // Even listing 404s: the zone id is wrong. Nothing to follow until that is fixed.
          message = `${message}: is CLOUDFLARE_ZONE_ID right?`;
          record.nextAttemptAt = now + this.#timing.outageBackoff.maxMs;
          break;
        }
        // The custom hostname we followed is gone (deleted out of band): create it again.
        delete record.customHostnameId;
        if (record.desired === 'present') {
          this.#restartFollowing(record, 'provisioning');
          this.#persistInBackground();
          this.#emit(record, {
            action: 'recreating',
            detail: `not found at Cloudflare (${message})`,
          });
        }
        return;
      }
      case 'unauthorized': {
        message = `${message}: the API token needs the "SSL and Certificates Write" permission on zone ${
          this.#config.enabled ? this.#config.zoneId : '?'
        }`;
        record.nextAttemptAt = now + this.#timing.outageBackoff.maxMs;
        break;
      }
      case 'rejected': {
        if (record.desired === 'present') record.phase = 'failed';
        record.nextAttemptAt = now + this.#timing.recheckStalledMs;
        stepAction = 'failed';
        break;
      }
      default: {
        record.nextAttemptAt = now + this.#timing.outageBackoff.maxMs;
      }
    }
    record.failures += 1;
    record.lastError = { at, message };
    record.updatedAt = at;
    this.#persistInBackground();
    // The first failure of a streak is worth a step; an outage is not worth hundreds.
    if (stepAction === 'failed' || record.failures % ERROR_STEP_EVERY === 1) {
      this.#emit(record, {
        action: stepAction,
        detail:
          stepAction === 'failed'
            ? 'Cloudflare refused the request'
            : `next attempt at ${new Date(record.nextAttemptAt).toISOString()}`,
        error: message,
      });
    }
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
