// A model of Cloudflare's consistency, for testing the read path against (docs/freshness.md):
//   - KV: one global history of writes. A location that has not cached a key reads a value
//     that was current at some moment in the last `kvStaleMs` (60 s: "60 seconds or more" is
//     what Cloudflare documents), chosen at random, absent ones included; it then caches what
//     it read for the read's cacheTtl (60 s by default) and answers it again until then.
//   - The Cache API: one per location, entries live their `max-age`.
//   - The page's coordinator: strongly consistent (it is the only writer), answering at once,
//     or not at all while it is made unreachable.
//   - Virtual time: a request takes no time; background work (waitUntil) finishes before the
//     next event. Schedules are random but seeded, so a failure can be replayed.
// Two read paths run against it: the real one (worker/routes/read-document.ts) and today's
// design before the render pointer (`kvVersionRead` below, kept only to measure it).
import { seededRandom } from '../../scripts/lib/demo-events.ts';
import type { MissAnswer } from '../../worker/coordinator/page-coordinator.ts';
import type { Env } from '../../worker/env.ts';
import { readDocument } from '../../worker/routes/read-document.ts';
import type {
  CoordinatorReader,
  KvReader,
  LocationCache,
  ReadLocation,
} from '../../worker/routes/read-location.ts';
import { DocumentMemory } from '../../worker/store/isolate-cache.ts';
import { type DocumentMeta, docKey, type HostRecord } from '../../worker/store/keys.ts';
import { contentKey, pointerKey, type RenderPointer, slotOf } from '../../worker/store/pointer.ts';
import { PointerMemo } from '../../worker/store/pointer-memo.ts';

export interface Clock {
  now: number;
}

interface Written {
  at: number;
  value: string | null;
  metadata: DocumentMeta | null;
}

/** KV's one global truth, and a view of it per location. */
export class ModelKv {
  private readonly history = new Map<string, Written[]>();
  constructor(
    private readonly clock: Clock,
    private readonly rand: () => number,
    private readonly staleMs = 60_000,
    private readonly cacheTtlMs = 60_000,
  ) {}

  put(key: string, value: string | null, metadata: DocumentMeta | null = null): void {
    const list = this.history.get(key) ?? [];
    list.push({ at: this.clock.now, value, metadata });
    this.history.set(key, list);
  }

  /** The value current at `at` (null before the first write). */
  private valueAt(key: string, at: number): Written {
    let current: Written = { at: 0, value: null, metadata: null };
    for (const w of this.history.get(key) ?? []) {
      if (w.at <= at) current = w;
    }
    return current;
  }

  location(): KvReader {
    const cached = new Map<string, { w: Written; expires: number }>();
    const read = (key: string): Written => {
      const hit = cached.get(key);
      if (hit && hit.expires > this.clock.now) return hit.w;
      const w = this.valueAt(key, this.clock.now - this.rand() * this.staleMs);
      cached.set(key, { w, expires: this.clock.now + this.cacheTtlMs });
      return w;
    };
    return {
      get: async (key) => read(key).value,
      getWithMetadata: async (key) => {
        const w = read(key);
        return { value: w.value, metadata: w.metadata };
      },
    };
  }
}

/** One location's Cache API. */
export class ModelCache implements LocationCache {
  private readonly entries = new Map<
    string,
    { body: string; headers: [string, string][]; expires: number }
  >();
  constructor(private readonly clock: Clock) {}

  async match(request: Request): Promise<Response | undefined> {
    const e = this.entries.get(request.url);
    if (!e || e.expires <= this.clock.now) return undefined;
    return new Response(e.body, { headers: e.headers });
  }

  async put(request: Request, response: Response): Promise<void> {
    const maxAge = /max-age=(\d+)/.exec(response.headers.get('Cache-Control') ?? '');
    const ttl = maxAge ? Number(maxAge[1]) * 1000 : 0;
    this.entries.set(request.url, {
      body: await response.text(),
      headers: [...response.headers],
      expires: this.clock.now + ttl,
    });
  }
}

export const PAGE_ID = 'page_model';
export const HOST = 'model.example';
const VARIANT = 'public';
const PATH = '/';

/** The render a body shows (every render's body names its number). */
export function renderOf(body: string): number {
  const m = /render (\d+)/.exec(body);
  return m ? Number(m[1]) : -1;
}

/** The page's coordinator and what it writes to KV, for both designs. */
export class ModelPage implements CoordinatorReader {
  reachable = true;
  private published: {
    n: number;
    pointer: RenderPointer;
    body: string;
    meta: DocumentMeta;
  } | null = null;
  constructor(
    private readonly clock: Clock,
    private readonly kv: ModelKv,
  ) {}

  /** Render n: its document under its content key, then the pointer (and today's keys). */
  publish(n: number): void {
    const etag = `"r${n}"`;
    const body = `<p>render ${n}</p>`;
    const meta: DocumentMeta = {
      etag,
      contentType: 'text/html; charset=utf-8',
      version: n,
      renderedAt: new Date(this.clock.now).toISOString(),
    };
    const pointer: RenderPointer = { version: n, docs: { [slotOf(VARIANT, PATH)]: etag } };
    this.kv.put(contentKey(PAGE_ID, VARIANT, PATH, etag), body, meta);
    this.kv.put(pointerKey(PAGE_ID), JSON.stringify(pointer));
    // Today's design: one mutable key per document, then the version key.
    this.kv.put(docKey(PAGE_ID, VARIANT, PATH), body, meta);
    this.kv.put(`ver:${PAGE_ID}`, String(n));
    this.published = { n, pointer, body, meta };
  }

  async pointer(): Promise<RenderPointer | null> {
    if (!this.reachable) throw new Error('coordinator unreachable');
    return this.published?.pointer ?? { version: 0, docs: {} };
  }

  async documentOnMiss(): Promise<MissAnswer> {
    if (!this.reachable) throw new Error('coordinator unreachable');
    if (!this.published) return { found: false, reason: 'no_page' };
    return { found: true, body: this.published.body, meta: this.published.meta };
  }
}

export interface ModelLocation {
  read(): Promise<string>;
}

const RECORD: HostRecord = { pageId: PAGE_ID, visibility: 'public' };

/** A location running the real read path: its KV view, Cache API and isolate. */
export function pointerLocation(clock: Clock, kv: ModelKv, page: ModelPage): ModelLocation {
  const location: ReadLocation = {
    kv: kv.location(),
    cache: new ModelCache(clock),
    coordinator: page,
    now: () => clock.now,
  };
  const isolate = { pointers: new PointerMemo(), documents: new DocumentMemory() };
  return {
    async read() {
      const background: Promise<unknown>[] = [];
      const doc = await readDocument({
        // The read path takes only its time budgets from the bindings here.
        env: { RENDER_BUDGET_MS: '50' } as Env,
        ctx: { waitUntil: (p) => background.push(p) },
        hostname: HOST,
        record: RECORD,
        variant: VARIANT,
        path: PATH,
        location,
        isolate,
      });
      await Promise.allSettled(background);
      if (doc.kind === 'document') return typeof doc.body === 'string' ? doc.body : '';
      return doc.kind === 'response' ? await doc.response.text() : '';
    },
  };
}

/**
 * Today's design before the render pointer, as read-document.ts had it: the page's version
 * from `ver:<pageId>` in KV (memoised a second in the isolate, read with the document in one
 * bulk get), the document from its one mutable key, Cache API entries keyed by that version
 * and kept 60 s. Kept here only so the model can say how it fares.
 */
export function kvVersionLocation(clock: Clock, kv: ModelKv, page: ModelPage): ModelLocation {
  const view = kv.location();
  const cache = new ModelCache(clock);
  let memo: { version: number | null; expires: number } | undefined;
  const entry = (version: number) =>
    new Request(`https://${HOST}${PATH}?__page=${PAGE_ID}&__render=${version}`);
  return {
    async read() {
      let version = memo && memo.expires > clock.now ? memo.version : undefined;
      if (typeof version === 'number') {
        const hit = await cache.match(entry(version));
        if (hit) return hit.text();
      }
      let doc: { value: string | null };
      if (version === undefined) {
        const raw = await view.get(`ver:${PAGE_ID}`);
        const read = raw === null ? null : Number(raw);
        // A slower read must not roll the memo back past a version this isolate already saw.
        const held = memo && memo.expires > clock.now ? (memo.version ?? 0) : 0;
        version = read !== null && held > read ? held : read;
        memo = { version, expires: clock.now + 1000 };
        doc = await view.getWithMetadata(docKey(PAGE_ID, VARIANT, PATH));
      } else {
        doc = await view.getWithMetadata(docKey(PAGE_ID, VARIANT, PATH));
      }
      if (doc.value === null) {
        // A KV miss: the coordinator renders it (not cached, as before).
        const answer = await page.documentOnMiss();
        if (!answer.found) return '';
        return typeof answer.body === 'string'
          ? answer.body
          : new TextDecoder().decode(answer.body);
      }
      if (version !== null) {
        await cache.put(
          entry(version),
          new Response(doc.value, { headers: { 'Cache-Control': 'public, max-age=60' } }),
        );
      }
      return doc.value;
    },
  };
}

export type Design = 'pointer' | 'kv-version';

export interface ScheduleResult {
  /** Per location and publish: how long after the publish it still served an older render. */
  freshnessMs: number[];
  /** Times a location served an older render after a newer one. */
  flaps: number;
  /** Requests answered without a render (skeleton or nothing). */
  unanswered: number;
  requests: number;
}

export interface ScheduleOptions {
  locations?: number;
  publishes?: number;
  /** Make the coordinator unreachable for this share of the time (in random spells). */
  unreachableShare?: number;
}

/** One random schedule: publishes at random times, each location visited at its own rate. */
export async function runSchedule(
  seed: number,
  design: Design,
  options: ScheduleOptions = {},
): Promise<ScheduleResult> {
  const rand = seededRandom(seed);
  const clock: Clock = { now: -120_000 };
  const kv = new ModelKv(clock, rand);
  const page = new ModelPage(clock, kv);
  const locations = options.locations ?? 6;
  const publishes = options.publishes ?? 5;

  // Render 1 is two minutes old when the first visitor comes; the others follow 1 to 60 s apart.
  const publishAt = [-120_000];
  for (let i = 1; i <= publishes; i++) {
    publishAt.push((i === 1 ? 0 : publishAt[i - 1]!) + 1000 + rand() * 59_000);
  }
  const end = publishAt.at(-1)! + 130_000;

  type Event =
    | { at: number; kind: 'publish'; n: number }
    | { at: number; kind: 'read'; loc: number };
  const events: Event[] = publishAt.map((at, i) => ({ at, kind: 'publish', n: i + 1 }));
  // Some locations are busy, some quiet: 1 to 10 requests a second.
  for (let loc = 0; loc < locations; loc++) {
    const rate = 1 + rand() * 9;
    for (let at = rand() * 1000; at < end; at += (-Math.log(1 - rand()) * 1000) / rate) {
      events.push({ at, kind: 'read', loc });
    }
  }
  events.sort((a, b) => a.at - b.at || (a.kind === 'publish' ? -1 : 1));

  // Spells of unreachability, if asked for: 2 to 20 s each.
  const spells: [number, number][] = [];
  if (options.unreachableShare) {
    for (let at = rand() * 10_000; at < end; ) {
      const length = 2000 + rand() * 18_000;
      spells.push([at, at + length]);
      at += length / options.unreachableShare;
    }
  }

  const sites = Array.from({ length: locations }, () =>
    design === 'pointer' ? pointerLocation(clock, kv, page) : kvVersionLocation(clock, kv, page),
  );
  const lastStale = Array.from({ length: locations }, () => new Map<number, number>());
  const highest = new Array<number>(locations).fill(0);
  let flaps = 0;
  let unanswered = 0;
  let requests = 0;
  let published = 0;

  for (const e of events) {
    clock.now = e.at;
    page.reachable = !spells.some(([from, to]) => e.at >= from && e.at < to);
    if (e.kind === 'publish') {
      page.publish(e.n);
      published = e.n;
      continue;
    }
    requests += 1;
    const served = renderOf(await sites[e.loc]!.read());
    if (served < 0) {
      unanswered += 1;
      continue;
    }
    if (served < highest[e.loc]!) flaps += 1;
    highest[e.loc] = Math.max(highest[e.loc]!, served);
    // Every publish after the render served was not visible here yet at this moment.
    for (let k = served + 1; k <= published; k++) lastStale[e.loc]!.set(k, e.at);
  }

  const freshnessMs: number[] = [];
  for (let loc = 0; loc < locations; loc++) {
    for (let k = 2; k <= publishes + 1; k++) {
      const stale = lastStale[loc]!.get(k);
      freshnessMs.push(stale === undefined ? 0 : stale - publishAt[k - 1]!);
    }
  }
  return { freshnessMs, flaps, unanswered, requests };
}

export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}
