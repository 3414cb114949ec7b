// The event explorer's memory (docs/contract.md §3): for each of the most recent core events,
// what happened to it step by step, and for each page the events that went to it. Bounded:
// past `capacity` events the oldest are forgotten.

import { Fifo } from './fifo.ts';

export type StepName =
  | 'received'
  | 'validated'
  | 'journaled'
  | 'fanned_out'
  | 'pushed'
  | 'applied'
  | 'skipped'
  | 'rendered'
  /** An extension of docs/contract.md §3: the certificate updater's progress for a page event. */
  | 'certificate'
  | 'failed';

export interface TraceStep {
  step: StepName;
  at: string;
  pageId?: string;
  renderVersion?: number;
  detail?: string;
  error?: string;
}

export interface EventTrace {
  id: string;
  type: string;
  receivedAt: string;
  steps: TraceStep[];
}

export interface ExplorerSnapshot {
  traces: EventTrace[];
  pages: [string, string[]][];
}

export class Explorer {
  readonly capacity: number;
  readonly #traces = new Map<string, EventTrace>();
  /** Traces in the order they began; one that began again is skipped when reached. */
  readonly #age = new Fifo<EventTrace>();
  /** Event ids per page, in the order they went to it; may hold forgotten ids until a sweep. */
  readonly #byPage = new Map<string, string[]>();
  #evictedSinceSweep = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error('capacity must be ≥ 1');
    this.capacity = capacity;
  }

  begin(trace: EventTrace): void {
    this.#traces.delete(trace.id);
    this.#traces.set(trace.id, trace);
    this.#age.push(trace);
    while (this.#traces.size > this.capacity) {
      const oldest = this.#age.shift();
      if (!oldest) break;
      if (this.#traces.get(oldest.id) !== oldest) continue;
      this.#traces.delete(oldest.id);
      this.#evictedSinceSweep++;
    }
    if (this.#evictedSinceSweep >= this.capacity) this.#sweep();
  }

  /** Adds a step to a remembered event; a `fanned_out` step also lists it under its page. */
  step(eventId: string, step: TraceStep): void {
    const trace = this.#traces.get(eventId);
    if (!trace) return;
    if (step.step === 'fanned_out' && step.pageId !== undefined) {
      const pageId = step.pageId;
      let ids = this.#byPage.get(pageId);
      if (!ids) {
        ids = [];
        this.#byPage.set(pageId, ids);
      }
      // Re-sent to the same page (a catch-up): it moves to the front of the page's history.
      if (trace.steps.some((s) => s.step === 'fanned_out' && s.pageId === pageId)) {
        const at = ids.lastIndexOf(eventId);
        if (at !== -1) ids.splice(at, 1);
      }
      ids.push(eventId);
    }
    trace.steps.push(step);
  }

  /**
   * A failed push is retried, possibly many times: keep one `failed` step per page and
   * attempt streak (updated in place) rather than one per attempt.
   */
  failure(eventId: string, step: TraceStep): void {
    const trace = this.#traces.get(eventId);
    if (!trace) return;
    const last = trace.steps.findLast((s) => s.pageId === step.pageId);
    if (last?.step === 'failed') Object.assign(last, step);
    else trace.steps.push(step);
  }

  get(eventId: string): EventTrace | undefined {
    return this.#traces.get(eventId);
  }

  /** The page's events, the most recent first. */
  forPage(pageId: string, limit: number): EventTrace[] {
    const ids = this.#byPage.get(pageId) ?? [];
    const out: EventTrace[] = [];
    for (let i = ids.length - 1; i >= 0 && out.length < limit; i--) {
      const trace = this.#traces.get(ids[i] as string);
      if (trace) out.push(trace);
    }
    return out;
  }

  get size(): number {
    return this.#traces.size;
  }

  toSnapshot(): ExplorerSnapshot {
    this.#sweep();
    return { traces: [...this.#traces.values()], pages: [...this.#byPage.entries()] };
  }

  static from(snapshot: ExplorerSnapshot, capacity: number): Explorer {
    const explorer = new Explorer(capacity);
    for (const trace of snapshot.traces) explorer.begin(trace);
    for (const [pageId, ids] of snapshot.pages) explorer.#byPage.set(pageId, [...ids]);
    explorer.#sweep();
    return explorer;
  }

  /** Drops forgotten ids from the page lists: amortised, once per `capacity` evictions. */
  #sweep(): void {
    for (const [pageId, ids] of this.#byPage) {
      const kept = ids.filter((id) => this.#traces.has(id));
      if (kept.length === 0) this.#byPage.delete(pageId);
      else this.#byPage.set(pageId, kept);
    }
    this.#evictedSinceSweep = 0;
  }
}
