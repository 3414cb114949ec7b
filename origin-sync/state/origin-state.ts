// Everything origin-sync knows, as a pure function of its journal records applied in order:
// the catalogue (latest entity states, service → pages index), the outbox (what each page
// still has to receive), the event ids already taken (duplicates), the event explorer, and
// the events waiting for the edge to publish the render they were promised.
import type { CoreEvent } from '../../worker/domain/schema.ts';
import { Catalogue, type HostnamesChange } from './catalogue.ts';
import { Explorer, type ExplorerSnapshot } from './explorer.ts';
import { Fifo } from './fifo.ts';
import { Outbox, type OutboxSnapshot } from './outbox.ts';
import type {
  AcceptRecord,
  AckRecord,
  FailRecord,
  JournalRecord,
  RenderedRecord,
  RenderFailRecord,
} from './records.ts';
import { RenderWatch, type RenderWatchSnapshot } from './render-watch.ts';

export interface StateOptions {
  /** How many recent core events the explorer remembers. */
  explorerCapacity: number;
  /**
   * How many event ids are remembered to answer duplicates. Older ones are forgotten; an
   * event re-sent after that is still harmless, since the edge applies per-entity versions.
   */
  seenCapacity: number;
}

export const DEFAULT_STATE_OPTIONS: StateOptions = {
  explorerCapacity: 50_000,
  seenCapacity: 500_000,
};

export interface AcceptResult {
  accepted: number;
  duplicates: number;
  /** Pages that got something new to send. */
  pages: string[];
  hostnames: HostnamesChange[];
}

export interface StateSnapshot {
  format: 1;
  entities: CoreEvent[];
  seen: string[];
  outbox: OutboxSnapshot;
  explorer: ExplorerSnapshot;
  /** Absent in snapshots written before renders were confirmed: nothing waits then. */
  renders?: RenderWatchSnapshot;
}

const STALE_NOTE = 'an event at least as new is known for this entity: the edge will skip it';

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export class OriginState {
  readonly catalogue: Catalogue;
  readonly outbox: Outbox;
  readonly explorer: Explorer;
  readonly renders: RenderWatch;
  readonly #seen: Set<string>;
  readonly #seenOrder = new Fifo<string>();
  readonly #options: StateOptions;

  constructor(
    options: StateOptions = DEFAULT_STATE_OPTIONS,
    parts?: {
      catalogue: Catalogue;
      outbox: Outbox;
      explorer: Explorer;
      renders: RenderWatch;
      seen: Set<string>;
    },
  ) {
    this.#options = options;
    this.catalogue = parts?.catalogue ?? new Catalogue();
    this.outbox = parts?.outbox ?? new Outbox();
    this.explorer = parts?.explorer ?? new Explorer(options.explorerCapacity);
    this.renders = parts?.renders ?? new RenderWatch();
    this.#seen = parts?.seen ?? new Set();
    for (const id of this.#seen) this.#seenOrder.push(id);
  }

  apply(record: JournalRecord): AcceptResult | null {
    switch (record.kind) {
      case 'accept':
        return this.#accept(record);
      case 'ack':
        this.#ack(record);
        return null;
      case 'fail':
        this.#fail(record);
        return null;
      case 'rendered':
        this.#rendered(record);
        return null;
      case 'render_fail':
        this.#renderFail(record);
        return null;
    }
  }

  toSnapshot(): StateSnapshot {
    return {
      format: 1,
      entities: this.catalogue.events(),
      seen: [...this.#seen],
      outbox: this.outbox.toSnapshot(),
      explorer: this.explorer.toSnapshot(),
      renders: this.renders.toSnapshot(),
    };
  }

  static from(snapshot: StateSnapshot, options: StateOptions = DEFAULT_STATE_OPTIONS): OriginState {
    if (snapshot.format !== 1)
      throw new Error(`unknown snapshot format ${String(snapshot.format)}`);
    const seen = new Set(snapshot.seen.slice(-options.seenCapacity));
    return new OriginState(options, {
      catalogue: Catalogue.from(snapshot.entities),
      outbox: Outbox.from(snapshot.outbox),
      explorer: Explorer.from(snapshot.explorer, options.explorerCapacity),
      renders: RenderWatch.from(snapshot.renders ?? []),
      seen,
    });
  }

  #remember(eventId: string): void {
    this.#seen.add(eventId);
    this.#seenOrder.push(eventId);
    if (this.#seen.size > this.#options.seenCapacity) {
      this.#seen.delete(this.#seenOrder.shift() as string);
    }
  }

  #accept(record: AcceptRecord): AcceptResult {
    const at = iso(record.at);
    const receivedAt = iso(record.receivedAt);
    const validatedAt = iso(record.validatedAt);
    const pages = new Set<string>();
    const hostnames: HostnamesChange[] = [];
    let accepted = 0;
    let duplicates = 0;
    for (const event of record.events) {
      if (this.#seen.has(event.id)) {
        duplicates++;
        continue;
      }
      this.#remember(event.id);
      accepted++;
      this.explorer.begin({
        id: event.id,
        type: event.type,
        receivedAt,
        steps: [
          { step: 'received', at: receivedAt },
          { step: 'validated', at: validatedAt },
          { step: 'journaled', at },
        ],
      });
      const admission = this.catalogue.admit(event);
      const detail = admission.newer ? undefined : STALE_NOTE;
      for (const pageId of admission.targets) {
        if (this.outbox.enqueue(pageId, event, record.at)) pages.add(pageId);
        this.explorer.step(event.id, {
          step: 'fanned_out',
          at,
          pageId,
          ...(detail ? { detail } : {}),
        });
      }
      if (admission.targets.length === 0) {
        this.explorer.step(event.id, {
          step: 'fanned_out',
          at,
          detail: 'no page shows it yet: kept for pages that start showing it',
        });
      }
      for (const catchUp of admission.catchUp) {
        const detail = `catch-up: the page started showing ${catchUp.serviceIds.join(', ')}`;
        for (const e of catchUp.events) {
          if (!this.outbox.enqueue(catchUp.pageId, e, record.at)) continue;
          pages.add(catchUp.pageId);
          this.explorer.step(e.id, { step: 'fanned_out', at, pageId: catchUp.pageId, detail });
        }
      }
      if (admission.hostnames) hostnames.push(admission.hostnames);
    }
    return { accepted, duplicates, pages: [...pages], hostnames };
  }

  #ack(record: AckRecord): void {
    const items = this.outbox.remove(record.pageId, record.upTo);
    const outcomes = new Map(record.results.map((r) => [r.id, r.outcome]));
    const details = new Map(record.results.map((r) => [r.id, r.detail]));
    const pushedAt = iso(record.pushedAt);
    const at = iso(record.at);
    const batch = `batch of ${items.length}${record.attempt > 1 ? `, attempt ${record.attempt}` : ''}`;
    const renderVersion = record.renderVersion ?? undefined;
    for (const { event } of items) {
      const pageId = record.pageId;
      this.explorer.step(event.id, { step: 'pushed', at: pushedAt, pageId, detail: batch });
      const outcome = outcomes.get(event.id);
      if (outcome === 'applied') {
        this.explorer.step(event.id, { step: 'applied', at, pageId, renderVersion });
      } else if (outcome === 'duplicate' || outcome === 'stale') {
        this.explorer.step(event.id, {
          step: 'skipped',
          at,
          pageId,
          renderVersion,
          detail: outcome,
        });
      } else if (outcome === 'refused') {
        // The edge's hostname registry refused the page upsert: nothing of it was stored.
        this.explorer.step(event.id, {
          step: 'failed',
          at,
          pageId,
          error: `refused by the edge: ${details.get(event.id) ?? 'a hostname is held by another page'}`,
        });
      } else if (record.renderVersion === null) {
        this.explorer.step(event.id, {
          step: 'applied',
          at,
          pageId,
          detail: 'stored by the worker; its answer carried no per-event result',
        });
      }
      // Only what the explorer still shows is worth confirming.
      const traced = this.explorer.get(event.id) !== undefined;
      if (outcome !== undefined && record.renderVersion !== null && traced) {
        this.renders.expect(pageId, event.id, record.renderVersion, record.at);
      }
    }
  }

  #rendered(record: RenderedRecord): void {
    const at = iso(record.renderedAt);
    for (const awaited of this.renders.confirm(record.pageId, record.version)) {
      this.explorer.step(awaited.eventId, {
        step: 'rendered',
        at,
        pageId: record.pageId,
        renderVersion: record.version,
        // A duplicate or stale event is promised the version already live.
        ...(record.renderedAt < awaited.since ? { detail: 'already live when pushed' } : {}),
      });
    }
  }

  #renderFail(record: RenderFailRecord): void {
    const awaited = record.giveUp
      ? this.renders.drop(record.pageId)
      : this.renders.waiting(record.pageId);
    const at = iso(record.at);
    for (const { eventId, version } of awaited) {
      this.explorer.failure(eventId, {
        step: 'failed',
        at,
        pageId: record.pageId,
        renderVersion: version,
        error: record.error,
        detail: record.giveUp
          ? 'render not confirmed; origin-sync stopped waiting for it'
          : 'render not published yet; still waiting',
      });
    }
  }

  #fail(record: FailRecord): void {
    const items = record.permanent
      ? this.outbox.remove(record.pageId, record.upTo)
      : this.outbox.through(record.pageId, record.upTo);
    const at = iso(record.at);
    const detail = record.permanent
      ? 'dropped: the worker refuses this batch, so resending cannot help'
      : `attempt ${record.attempt}; retrying`;
    for (const { event } of items) {
      this.explorer.failure(event.id, {
        step: 'failed',
        at,
        pageId: record.pageId,
        error: record.error,
        detail,
      });
    }
  }
}
