// Which events wait for the edge to publish the render version the worker promised them, per
// page: an acknowledged push says "render version N will contain this event"; a later
// confirmation "version ≥ N is in KV" turns each into a `rendered` step in the explorer. Part
// of OriginState, so a pure function of the journal (and kept in its snapshot).

export interface AwaitedRender {
  eventId: string;
  /** The render version the worker promised. */
  version: number;
  /** When the promise was made (the acknowledgement), epoch ms. */
  since: number;
}

export interface WatchSummary {
  /** The lowest promised version still unconfirmed: publishing it confirms something. */
  lowest: number;
  /** The highest: once it is published, the page has nothing left to wait for. */
  highest: number;
  /** The oldest promise still unconfirmed, epoch ms. */
  oldestSince: number;
  events: number;
}

export type RenderWatchSnapshot = [string, AwaitedRender[]][];

export class RenderWatch {
  readonly #pages = new Map<string, Map<string, AwaitedRender>>();
  #size = 0;

  /** The event waits for `version` on the page (a later promise for it replaces an earlier). */
  expect(pageId: string, eventId: string, version: number, since: number): void {
    let page = this.#pages.get(pageId);
    if (!page) {
      page = new Map();
      this.#pages.set(pageId, page);
    }
    if (!page.has(eventId)) this.#size++;
    // Re-inserted so the page's map stays in promise order.
    page.delete(eventId);
    page.set(eventId, { eventId, version, since });
  }

  /** Removes and returns the page's events whose promised version is ≤ `published`. */
  confirm(pageId: string, published: number): AwaitedRender[] {
    const page = this.#pages.get(pageId);
    if (!page) return [];
    const done = [...page.values()].filter((a) => a.version <= published);
    for (const a of done) page.delete(a.eventId);
    this.#size -= done.length;
    if (page.size === 0) this.#pages.delete(pageId);
    return done;
  }

  /** Removes and returns everything the page waits for. */
  drop(pageId: string): AwaitedRender[] {
    const page = this.#pages.get(pageId);
    if (!page) return [];
    this.#pages.delete(pageId);
    this.#size -= page.size;
    return [...page.values()];
  }

  waiting(pageId: string): AwaitedRender[] {
    return [...(this.#pages.get(pageId)?.values() ?? [])];
  }

  summary(pageId: string): WatchSummary | null {
    const page = this.#pages.get(pageId);
    if (!page || page.size === 0) return null;
    let lowest = Number.POSITIVE_INFINITY;
    let highest = 0;
    let oldestSince = Number.POSITIVE_INFINITY;
    for (const a of page.values()) {
      lowest = Math.min(lowest, a.version);
      highest = Math.max(highest, a.version);
      oldestSince = Math.min(oldestSince, a.since);
    }
    return { lowest, highest, oldestSince, events: page.size };
  }

  pages(): string[] {
    return [...this.#pages.keys()];
  }

  /** Events waiting, over all pages (one event on 40 pages counts 40). */
  get size(): number {
    return this.#size;
  }

  oldestSince(): number | null {
    let oldest: number | null = null;
    for (const pageId of this.#pages.keys()) {
      const since = this.summary(pageId)?.oldestSince ?? null;
      if (since !== null && (oldest === null || since < oldest)) oldest = since;
    }
    return oldest;
  }

  toSnapshot(): RenderWatchSnapshot {
    return [...this.#pages].map(([pageId, page]) => [pageId, [...page.values()]]);
  }

  static from(snapshot: RenderWatchSnapshot): RenderWatch {
    const watch = new RenderWatch();
    for (const [pageId, awaited] of snapshot) {
      for (const a of awaited) watch.expect(pageId, a.eventId, a.version, a.since);
    }
    return watch;
  }
}
