import { DurableObject } from 'cloudflare:workers';
import { renderConfig } from '../config.ts';
import type { CoreEvent } from '../domain/schema.ts';
import { type PageSnapshot, variantIds } from '../domain/snapshot.ts';
import { nextMidnight } from '../domain/time.ts';
import { nextTimelineBoundary, PAST_INCIDENT_DAYS } from '../domain/timeline.ts';
import type { Env } from '../env.ts';
import { log } from '../log.ts';
import {
  type PlannedDocument,
  planVariant,
  type RenderedDocument,
  type RenderOptions,
  renderDocument,
} from '../render/documents.ts';
import { ChangeLog, type PlanMemo } from '../render/plan-memo.ts';
import { isolateDocuments } from '../store/isolate-cache.ts';
import { type DocumentMeta, docKey } from '../store/keys.ts';
import { pointerOf, type RenderPointer } from '../store/pointer.ts';
import { isolatePointers } from '../store/pointer-memo.ts';
import { deliveryIndex } from '../subscriptions/delivery-index.ts';
import {
  type LeaseAnswer,
  type LinkSubject,
  type ManageAction,
  PageSubscriptions,
  type SubscribeAnswer,
  type SubscribeContext,
  type SubscribeInput,
} from '../subscriptions/service.ts';
import { subscriptionSettings } from '../subscriptions/settings.ts';
import type { PageRenderStatus, SyncResult } from '../sync/contract.ts';
import type {
  DeliveryReport,
  DeliveryReportResult,
  NotificationDeliveries,
  SubscriptionsOverview,
} from '../sync/deliveries-contract.ts';
import { type EntityRef, planBatch } from './apply.ts';
import { registryOf } from './hostname-registry.ts';
import { type KvWriter, kvWriter } from './kv-writer.ts';
import { claimPageHostnames } from './page-claims.ts';
import { type CoordinatorState, PageStorage } from './page-storage.ts';
import {
  inBatches,
  metaOf,
  type OwnLocation,
  type PublishProgress,
  type PublishStages,
  publishRender,
} from './publish.ts';
import { type DesiredDocument, keyedDocuments, planDocuments, planHosts } from './publish-plan.ts';
import { isDirty, renderFailed, renderStarted, renderSucceeded } from './render-outcome.ts';
import { RetiredDocuments } from './retired-documents.ts';
import {
  leadingEdge,
  type RenderTiming,
  renderDueAt,
  type ScheduleState,
  shouldRender,
  timingFromEnv,
} from './schedule.ts';

/** Entities whose changes can be news for subscribers (decide.ts). */
const NOTIFYING: ReadonlySet<string> = new Set(['incident', 'maintenance', 'service']);
/** A miss render is reused for this long while nothing changes (a burst of misses, one render). */
const MISS_RENDER_TTL_MS = 1000;
/** Miss renders kept at once (one per variant and path asked for). */
const MISS_RENDERS_KEPT = 16;
/** KV may take this long to show a new key everywhere: a document is written again at most
 * once in this time however many locations miss it. */
const KV_VISIBLE_MS = 120_000;
/** The KV layout this code writes (CoordinatorState.layout). */
const LAYOUT = 2;
/** Before LAYOUT 2: `ver:<pageId>` held the render version. */
const legacyVersionKey = (pageId: string) => `ver:${pageId}`;

export type MissAnswer =
  | { found: true; body: string; meta: DocumentMeta }
  | { found: false; reason: 'no_page' | 'no_document' };

export interface CoordinatorStatus {
  pageId: string | null;
  dirty: boolean;
  publishedVersion: number;
  renderVersion: number;
  renders: number;
  kvPuts: number;
  kvDeletes: number;
  failures: number;
  lastError: string | null;
  nextBoundary: number | null;
  alarmAt: number | null;
  /** What the last successful render of this object's isolate did (null: none yet). */
  lastPublish: PublishStats | null;
}

/** One publish: how many documents the page has, and which of them were rendered. */
export interface PublishStats {
  version: number;
  documents: number;
  /** Keys of the documents rendered (and written): the others' inputs had not changed. */
  rendered: string[];
  /** Documents whose ETag was worked out from their inputs; the others' inputs had not
   * changed since the last plan, which gave their tag (render/plan-memo.ts). */
  fingerprinted: number;
  stages: PublishStages;
}

function scheduleOf(s: CoordinatorState, collectAt: number | null): ScheduleState {
  return {
    collectAt,
    dirty: isDirty(s),
    firstDirtyAt: s.firstDirtyAt,
    lastChangeAt: s.lastChangeAt,
    lastFlushAt: s.lastFlushAt,
    retryAt: s.retryAt,
    nextBoundary: s.nextBoundary,
    hostRecheckAt: s.hostRecheckAt,
  };
}

/**
 * One per status page: serialises every write to that page. Stores batches durably (SQLite),
 * coalesces bursts into one render with alarms, and publishes every variant to KV.
 */
export class PageCoordinator extends DurableObject<Env> {
  readonly storage: PageStorage;
  // Seams for tests: the clock, the way to KV, and the render timing.
  clock: () => number = () => Date.now();
  kv: KvWriter;
  timing: RenderTiming;
  /** Whether a leading-edge change renders without waiting for its alarm (tests that drive
   * every render through the alarm on a test clock turn it off). */
  renderAtOnce = true;
  private flushing = false;
  private missRenders = new Map<
    string,
    { seq: number; at: number; doc: RenderedDocument | null }
  >();
  /** When a document KV did not show was last written again (in memory: a bound, no more). */
  private readonly repaired = new Map<string, number>();
  /** In memory only: what the last publish rendered, for status() and tests. */
  private lastPublish: PublishStats | null = null;
  /** The pointer of the last complete publish (built from SQL when this object wakes). */
  private published: RenderPointer | null = null;
  /** In memory, together: the last plan's tags, and the changes applied since that plan. A
   * new object has neither, and plans its first publish in full. */
  private planMemo: PlanMemo | null = null;
  private readonly changedSincePlan = new ChangeLog();
  readonly retired: RetiredDocuments;
  readonly subscriptions: PageSubscriptions;
  /** Where this object runs: a public page's new render is served there before KV has it
   * (publish.ts). Null turns that off (tests of KV's own behaviour). */
  ownLocation: OwnLocation | null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.storage = new PageStorage(ctx.storage.sql);
    this.retired = new RetiredDocuments(ctx.storage.sql);
    this.subscriptions = new PageSubscriptions(
      ctx.storage.sql,
      {
        page: () => this.storage.livePage(),
        live: <T>(kind: 'service' | 'incident' | 'maintenance') => this.storage.liveData<T>(kind),
      },
      subscriptionSettings(env),
    );
    this.kv = kvWriter(env.PAGES_KV);
    this.timing = timingFromEnv(env);
    // RENDER_OWN_LOCATION=off: this location learns of a render from KV like every other one
    // (how a test shows what a location KV has not reached yet sees).
    this.ownLocation =
      renderConfig(env).ownLocation === 'off'
        ? null
        : {
            cache: typeof caches === 'undefined' ? null : caches.default,
            documents: isolateDocuments,
            pointers: isolatePointers,
            // Readers compare a pointer's time with their own clock, not this object's.
            now: () => Date.now(),
          };
  }

  /**
   * Applies a batch idempotently in one transaction. When this returns, the batch is durable
   * (the runtime holds the answer until the SQL writes are committed).
   */
  async applyBatch(pageId: string, events: CoreEvent[]): Promise<SyncResult> {
    const stored = {
      stored: (ref: EntityRef) => this.storage.stored(ref),
      seen: (id: string) => this.storage.seen(id),
    };
    // Hostnames are claimed before anything is stored: an upsert whose claim is refused is
    // left out of the batch whole (and answered `refused`).
    const preview = planBatch(events, stored);
    const upserts = events.filter(
      (e, i) => e.type === 'status_page.upserted' && preview.results[i]?.outcome === 'applied',
    );
    const refused = await claimPageHostnames(this.env, pageId, upserts);
    const refusedIds = new Map(refused.map((r) => [r.eventId, r]));
    const now = this.clock();
    let released: string[] = [];
    let notified = 0;
    let applied: readonly EntityRef[] = [];
    const result = this.ctx.storage.transactionSync((): SyncResult => {
      const hostsBefore = this.storage.pageHostnames(pageId);
      const s = this.storage.state();
      if (s.pageId !== null && s.pageId !== pageId) {
        throw new Error(`coordinator of ${s.pageId} was sent a batch for ${pageId}`);
      }
      const kept = planBatch(
        events.filter((e) => !refusedIds.has(e.id)),
        stored,
      );
      const keptResults = new Map(kept.results.map((r) => [r.id, r]));
      const plan = {
        ...kept,
        results: events.map((e): SyncResult['results'][number] => {
          const lost = refusedIds.get(e.id);
          if (lost) {
            return {
              id: e.id,
              outcome: 'refused',
              detail: `hostname ${lost.hostname} is held by page ${lost.holder}`,
            };
          }
          return keptResults.get(e.id) ?? { id: e.id, outcome: 'duplicate' };
        }),
      };
      // What subscribers were told is decided here, in the transaction that applies the
      // change: a batch applied once decides once, however often it is sent.
      const before = plan.changes.map((c) =>
        NOTIFYING.has(c.kind) ? this.storage.entityData(c) : null,
      );
      for (const change of plan.changes) this.storage.writeChange(change);
      applied = plan.changes;
      const drafts = plan.changes.flatMap((c, i) =>
        NOTIFYING.has(c.kind)
          ? this.subscriptions.draftsFor(c.kind, before[i], c.data, c.version, c.occurredAt, now)
          : [],
      );
      notified = this.subscriptions.record(drafts, now);
      const patch: Partial<CoordinatorState> = {
        pageId,
        seenSeq: this.storage.rememberEvents(plan.newEventIds, s.seenSeq),
      };
      if (plan.changes.length > 0) {
        patch.changeSeq = s.changeSeq + 1;
        patch.firstDirtyAt = s.firstDirtyAt ?? now;
        patch.lastChangeAt = now;
      }
      this.storage.updateState(patch);
      const hostsAfter = new Set(this.storage.pageHostnames(pageId));
      released = hostsBefore.filter((h) => !hostsAfter.has(h));
      const after = this.storage.state();
      const dirty = isDirty(after);
      return {
        pageId,
        renderVersion: dirty ? after.renderVersion + 1 : after.publishedVersion,
        results: plan.results,
      };
    });
    // Committed: the next plan must know what changed (its memo's tags are from before).
    for (const change of applied) this.changedSincePlan.note(change);
    // Stored: the hostnames the page no longer has are free for another page to claim. (If
    // this fails, the render's clean-up frees them.)
    await Promise.allSettled(released.map((h) => registryOf(this.env, h).release(h, pageId)));
    if (notified > 0) await this.markDeliveries();
    await this.scheduleAlarm();
    if (this.renderAtOnce) this.renderLeadingEdge();
    return result;
  }

  /**
   * The first change after a quiet period renders now, not when the runtime delivers the
   * alarm set for now (2–130 ms later locally, measured in bench/freshness.ts). The alarm stays
   * set: it renders if this attempt is lost with the isolate, and finds nothing to do if not.
   * A timer turn, so that the batch's answer goes first: origin-sync need not wait for a render.
   */
  private renderLeadingEdge(): void {
    const schedule = scheduleOf(this.storage.state(), this.retired.nextDueAt());
    if (this.flushing || !leadingEdge(schedule, this.timing)) return;
    if (!shouldRender(schedule, this.timing, this.clock())) return;
    setTimeout(() => {
      this.alarm().catch((err: unknown) => {
        log.error('leading-edge render failed', { error: String(err) });
      });
    }, 0);
  }

  // --- subscriptions (worker/subscriptions/) ------------------------------------------

  /** Tells the delivery index when this page next has work (best effort: a lease or the
   * next alarm tells it again). Public for tests that move this object's clock. */
  async markDeliveries(): Promise<void> {
    const pageId = this.storage.state().pageId;
    if (pageId === null) return;
    try {
      const now = this.clock();
      const due = this.subscriptions.store.nextDueAt(now);
      await deliveryIndex(this.env).mark(pageId, due === null ? null : due - now);
    } catch (err) {
      log.error('delivery index not told', { pageId, error: String(err) });
    }
  }

  subscribeContext(variant: string, incidentId: string | null): SubscribeContext | null {
    return this.subscriptions.context(variant, incidentId);
  }

  async subscribe(input: SubscribeInput): Promise<SubscribeAnswer> {
    const now = this.clock();
    const answer = this.ctx.storage.transactionSync(() => this.subscriptions.subscribe(input, now));
    if (answer.kind === 'ok') await this.markDeliveries();
    return answer;
  }

  /** What a confirm, manage or unsubscribe link shows (null: not a working link). */
  async linkSubject(
    purpose: 'confirm' | 'manage',
    token: string,
  ): Promise<(LinkSubject & { pending: boolean }) | null> {
    const s = await this.subscriptions.subscriberOfToken(purpose, token);
    if (!s) return null;
    const subject = this.subscriptions.linkSubject(s);
    return subject ? { ...subject, pending: s.state === 'pending' } : null;
  }

  /** The POST of a confirmation link: confirmed now (with a webhook's secret, once), or already. */
  async confirmSubscription(
    token: string,
  ): Promise<{ subject: LinkSubject; secret: string | null; already: boolean } | null> {
    const s = await this.subscriptions.subscriberOfToken('confirm', token);
    if (!s) return null;
    if (s.state !== 'pending') {
      const subject = this.subscriptions.linkSubject(s);
      return subject ? { subject, secret: null, already: true } : null;
    }
    const now = this.clock();
    const done = this.ctx.storage.transactionSync(() =>
      this.subscriptions.store.confirm(s.id, now),
    );
    if (!done) return null;
    const subject = this.subscriptions.linkSubject(done.subscriber);
    return subject ? { subject, secret: done.secret, already: false } : null;
  }

  /** A manage link's POST (unsubscribe links do `unsubscribe`). Null: not a working link. */
  async manageSubscription(
    token: string,
    action: ManageAction,
    components: string[],
  ): Promise<{ subject: LinkSubject | null; done: ManageAction | 'invalid' } | null> {
    const s = await this.subscriptions.subscriberOfToken('manage', token);
    if (!s || s.state === 'pending') return null;
    const store = this.subscriptions.store;
    if (action === 'save' && !this.subscriptions.validComponents(s, components)) {
      return { subject: this.subscriptions.linkSubject(s), done: 'invalid' };
    }
    this.ctx.storage.transactionSync(() => {
      if (action === 'save')
        store.setComponents(s.n, components.length ? [...new Set(components)] : null);
      else if (action === 'unsubscribe') store.unsubscribe(s.n);
      else if (action === 'resubscribe') store.resubscribe(s.n);
      else store.deleteEmail(s.email);
    });
    await this.markDeliveries();
    if (action === 'delete') return { subject: null, done: action };
    const after = store.byId(s.id);
    return { subject: after ? this.subscriptions.linkSubject(after) : null, done: action };
  }

  /** Leases due deliveries of this page (origin-sync, via POST /_sync/deliveries/lease). */
  async leaseDeliveries(consumer: string, max: number, leaseMs: number): Promise<LeaseAnswer> {
    const pageId = this.storage.state().pageId;
    if (pageId === null) return { deliveries: [], nextDueAt: null };
    const now = this.clock();
    if (this.storage.livePage() === null) {
      // The page is gone: nobody is told anything more of it.
      this.ctx.storage.transactionSync(() => this.subscriptions.store.dropAll());
      await this.markDeliveries();
      return { deliveries: [], nextDueAt: null };
    }
    const rows = this.ctx.storage.transactionSync(() =>
      this.subscriptions.leaseRows(consumer, max, leaseMs, now),
    );
    const deliveries = await this.subscriptions.render(pageId, rows);
    const nextDueAt = this.subscriptions.store.nextDueAt(now);
    await this.markDeliveries();
    return { deliveries, nextDueAt };
  }

  async reportDeliveries(reports: DeliveryReport[]): Promise<DeliveryReportResult> {
    const pageId = this.storage.state().pageId;
    if (pageId === null) return { recorded: 0, lapsed: [] };
    const now = this.clock();
    const result = this.ctx.storage.transactionSync(() =>
      this.subscriptions.report(pageId, reports, now),
    );
    await this.markDeliveries();
    return result;
  }

  subscriptionsOverview(): SubscriptionsOverview | null {
    const pageId = this.storage.state().pageId;
    return pageId === null ? null : this.subscriptions.overview(pageId);
  }

  notificationDeliveries(notificationId: string): NotificationDeliveries | null {
    const pageId = this.storage.state().pageId;
    return pageId === null ? null : this.subscriptions.deliveries(pageId, notificationId);
  }

  override async alarm(): Promise<void> {
    const now = this.clock();
    // The clock opening or closing a maintenance window is news too (the alarm is set at
    // each such boundary); keys shared with the event path tell it once.
    const clockNotified = this.ctx.storage.transactionSync(() => {
      this.subscriptions.store.prune(now);
      return this.subscriptions.record(this.subscriptions.clockDrafts(now), now);
    });
    // Also the index's safety net: a page whose last mark was lost is listed again here.
    if (clockNotified > 0 || this.subscriptions.store.nextDueAt(now) !== null) {
      await this.markDeliveries();
    }
    const s = this.storage.state();
    const collectAt = this.retired.nextDueAt();
    const schedule = scheduleOf(s, collectAt);
    if (this.flushing || !shouldRender(schedule, this.timing, now)) {
      await this.scheduleAlarm();
      return;
    }
    const boundaryPassed = s.nextBoundary !== null && now >= s.nextBoundary;
    if (schedule.dirty || boundaryPassed) await this.flush(now);
    // A re-check left by a version before the hostname registry: nothing to re-check now.
    else if (s.hostRecheckAt !== null) this.storage.updateState({ hostRecheckAt: null });
    if (collectAt !== null && now >= collectAt) await this.collect(now);
    await this.scheduleAlarm();
  }

  /**
   * Which content is current for each document of the page: what every location asks at most
   * about once a second (routes/current-pointer.ts). Null while this object has never known
   * its page, or has not yet published in the current KV layout (readers then use KV's copy,
   * or ask for the document itself).
   */
  async pointer(): Promise<RenderPointer | null> {
    const s = this.storage.state();
    if (s.pageId === null) return null;
    if (s.layout !== LAYOUT && s.publishedVersion > 0) {
      // Written before content keys: publish again, in this layout, at once.
      if (!isDirty(s)) {
        this.markChanged(this.clock());
        await this.scheduleAlarm();
      }
      return null;
    }
    this.published ??= pointerOf(s.pageId, s.publishedVersion, this.storage.writtenDocs());
    return this.published;
  }

  /**
   * The read path found no document in KV. Answers the document rendered from this object's
   * own copy (without waiting for the next render), and makes sure KV gets it.
   */
  async documentOnMiss(variant: string, path: string): Promise<MissAnswer> {
    const now = this.clock();
    const s = this.storage.state();
    if (s.pageId === null) return { found: false, reason: 'no_page' };
    const key = docKey(s.pageId, variant, path);
    const dirty = isDirty(s);
    const written = this.storage.hasWrittenDoc(key);
    // Cheap answer for paths that simply do not exist: nothing pending and never written.
    if (!dirty && s.publishedVersion > 0 && !written)
      return { found: false, reason: 'no_document' };
    const snapshot = this.storage.snapshot(s.pageId, new Date(now));
    if (!snapshot) return { found: false, reason: 'no_page' };
    if (!variantIds(snapshot.page).includes(variant))
      return { found: false, reason: 'no_document' };
    const doc = await this.renderForMiss(snapshot, variant, path, s.changeSeq, now);
    if (!doc) return { found: false, reason: 'no_document' };
    // KV should hold this document but the reader did not find it: lost, or not visible yet
    // where it read (KV takes up to a minute or more). Write it again with the next render,
    // once per document in that time: every location's first miss after a publish must not
    // become a render each.
    const repairedAt = this.repaired.get(key);
    const repairedLately = repairedAt !== undefined && now - repairedAt < KV_VISIBLE_MS;
    if (!dirty && !repairedLately) {
      if (this.repaired.size >= 1024) this.repaired.clear();
      this.repaired.set(key, now);
      this.storage.forgetDoc(key);
      this.markChanged(now);
      await this.scheduleAlarm();
    }
    const version = dirty || !written ? s.renderVersion + 1 : s.publishedVersion;
    return { found: true, body: doc.body, meta: metaOf(doc, version, new Date(now).toISOString()) };
  }

  /** What origin-sync asks to confirm its promised render versions (null: no page here yet). */
  renderStatus(): PageRenderStatus | null {
    const s = this.storage.state();
    if (s.pageId === null) return null;
    return {
      pageId: s.pageId,
      publishedVersion: s.publishedVersion,
      renderedAt: s.publishedAt === null ? null : new Date(s.publishedAt).toISOString(),
      pending: isDirty(s),
      failures: s.failures,
      lastError: s.lastError,
    };
  }

  async status(): Promise<CoordinatorStatus> {
    const s = this.storage.state();
    return {
      pageId: s.pageId,
      dirty: isDirty(s),
      publishedVersion: s.publishedVersion,
      renderVersion: s.renderVersion,
      renders: s.renders,
      kvPuts: s.kvPuts,
      kvDeletes: s.kvDeletes,
      failures: s.failures,
      lastError: s.lastError,
      nextBoundary: s.nextBoundary,
      alarmAt: await this.ctx.storage.getAlarm(),
      lastPublish: this.lastPublish,
    };
  }

  private markChanged(now: number): void {
    const s = this.storage.state();
    this.storage.updateState({
      changeSeq: s.changeSeq + 1,
      firstDirtyAt: s.firstDirtyAt ?? now,
      lastChangeAt: now,
    });
  }

  private async scheduleAlarm(): Promise<void> {
    const due = renderDueAt(
      scheduleOf(this.storage.state(), this.retired.nextDueAt()),
      this.timing,
    );
    if (due === null) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(due);
  }

  /** What this deployment renders with: its version id is part of every document's ETag. */
  private renderOptions(): RenderOptions {
    const deployment = this.env.CF_VERSION_METADATA?.id;
    return deployment ? { deployment } : {};
  }

  /** Only the document asked for: a cold miss must answer within its budget. */
  private async renderForMiss(
    snapshot: PageSnapshot,
    variant: string,
    path: string,
    seq: number,
    now: number,
  ): Promise<RenderedDocument | null> {
    const key = `${variant}\n${path}`;
    const m = this.missRenders.get(key);
    if (m && m.seq === seq && now - m.at < MISS_RENDER_TTL_MS) return m.doc;
    const doc = await renderDocument(snapshot, variant, path, new Date(now), this.renderOptions());
    if (this.missRenders.size >= MISS_RENDERS_KEPT) this.missRenders.clear();
    this.missRenders.set(key, { seq, at: now, doc });
    return doc;
  }

  /**
   * One render: every variant from the stored snapshot into KV (publish.ts writes it). Only
   * documents whose ETag (the fingerprint of what they read) differs from the one KV got are
   * rendered and written. Idempotent (alarms are at-least-once): documents already in KV are
   * not written again. On failure the change stays dirty and the next attempt is scheduled
   * with backoff (render-outcome.ts).
   */
  private async flush(now: number): Promise<void> {
    this.flushing = true;
    const before = this.storage.state();
    const pageId = before.pageId;
    const version = before.renderVersion + 1;
    const at = new Date(now);
    // Read everything this render needs before the first await: batches arriving while KV is
    // written change SQL, and they belong to the next render.
    const snapshot = pageId ? this.storage.snapshot(pageId, at) : null;
    // What changed since the last plan, up to this snapshot (later batches are the next's).
    const changes = this.changedSincePlan.take();
    const prior = this.planMemo;
    // Until this plan completes there is no memo to plan from: a failed one plans in full.
    this.planMemo = null;
    const nextMemo: PlanMemo = new Map();
    const planStats = { fingerprinted: 0 };
    const legacy = before.layout !== LAYOUT;
    // Documents written in an older layout are not under their content keys: write them all.
    const written = legacy ? new Map<string, string>() : this.storage.writtenDocs();
    const legacyKeys = legacy ? [...this.storage.writtenDocs().keys()] : [];
    if (legacy && pageId && before.publishedVersion > 0) legacyKeys.push(legacyVersionKey(pageId));
    if (pageId && !this.published) {
      // Readers asking during this render get the previous complete one, never half of this.
      this.published = pointerOf(pageId, before.publishedVersion, written);
    }
    const hosts = planHosts(snapshot?.page ?? null, this.storage.writtenHosts());
    this.storage.updateState(renderStarted(before, now));
    const progress: PublishProgress = { puts: 0, deletes: 0, shownEarly: null };
    try {
      if (pageId === null) throw new Error('no page id yet');
      const desired: DesiredDocument[] = [];
      if (snapshot) {
        const options = this.renderOptions();
        for (const variant of variantIds(snapshot.page)) {
          const planned: PlannedDocument[] = await planVariant(snapshot, variant, at, {
            ...options,
            incremental: { prior, changes, next: nextMemo, stats: planStats },
          });
          desired.push(...keyedDocuments(pageId, variant, planned));
        }
      }
      const docs = planDocuments(desired, written);
      // The tags stand for the snapshot, whatever becomes of the KV writes.
      this.planMemo = nextMemo;
      const pointer = await publishRender(
        {
          env: this.env,
          kv: this.kv,
          storage: this.storage,
          retired: this.retired,
          own: this.ownLocation,
          clock: this.clock,
        },
        { pageId, version, now, page: snapshot?.page ?? null, docs, written, hosts, legacyKeys },
        progress,
      );
      this.published = pointer;
      this.storage.pruneUptime(at);
      const finishedAt = this.clock();
      this.storage.updateState(
        renderSucceeded(
          before,
          this.storage.state(),
          {
            version,
            finishedAt,
            puts: progress.puts,
            deletes: progress.deletes,
            nextBoundary: snapshot ? this.nextBoundary(snapshot, at) : null,
          },
          LAYOUT,
        ),
      );
      isolatePointers.offer(pageId, { pointer: snapshot ? pointer : null, at: finishedAt }, true);
      this.lastPublish = {
        version,
        documents: desired.length,
        rendered: docs.put.map((d) => d.key),
        fingerprinted: planStats.fingerprinted,
        stages: {
          changedAt: before.firstDirtyAt,
          startedAt: now,
          renderedAt: progress.renderedAt ?? null,
          shownAt: progress.shownAt ?? null,
          documentsInKvAt: progress.documentsInKvAt ?? null,
          pointerInKvAt: progress.pointerInKvAt ?? null,
          finishedAt,
        },
      };
    } catch (err) {
      // The own location may already serve this render: the coordinator must not answer an
      // older one after it (documents KV lacks are answered by documentOnMiss meanwhile).
      if (progress.shownEarly) this.published = progress.shownEarly;
      const update = renderFailed(before, this.storage.state(), {
        startedAt: now,
        finishedAt: this.clock(),
        error: String(err),
        puts: progress.puts,
        deletes: progress.deletes,
      });
      this.storage.updateState(update);
      log.error('render failed', {
        pageId,
        version,
        failures: update.failures,
        error: String(err),
      });
    } finally {
      this.flushing = false;
    }
  }

  /** Deletes the documents that were replaced long enough ago that nobody can ask for them. */
  private async collect(now: number): Promise<void> {
    const due = this.retired.due(now);
    let deletes = 0;
    try {
      await inBatches(due, async (key) => {
        await this.kv.delete(key);
        this.retired.forget(key);
        deletes += 1;
      });
    } catch (err) {
      this.storage.updateState({ lastError: String(err) });
    } finally {
      const s = this.storage.state();
      // Not a render: deletes of other keys than a render writes leave its second alone.
      this.storage.updateState({ kvDeletes: s.kvDeletes + deletes });
    }
  }

  private nextBoundary(snapshot: PageSnapshot, at: Date): number {
    const timeline = nextTimelineBoundary(
      snapshot.incidents,
      snapshot.maintenances,
      at,
      PAST_INCIDENT_DAYS,
    );
    const midnight = nextMidnight(at, snapshot.page.timeZone ?? 'UTC');
    return timeline === null ? midnight : Math.min(timeline, midnight);
  }
}
