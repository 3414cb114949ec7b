// A stand-in for the worker's /_sync (worker/sync/contract.ts) for origin-sync tests: checks
// tokens and batches exactly as the contract says, applies events idempotently by id and
// per-entity version, answers the render status of a page, and can be told to fail or to hold
// its renders back.
import type { CryptoKey } from 'jose';
import { entityKey } from '../../origin-sync/store/entities.ts';
import type { CoreEvent } from '../../worker/domain/schema.ts';
import {
  type PageRenderStatus,
  SyncBatch,
  type SyncOutcome,
  type SyncResult,
  syncReadRequest,
  syncStatusPath,
} from '../../worker/sync/contract.ts';
import { verifySyncReadToken, verifySyncToken } from '../../worker/sync/token.ts';
import { answer as send, startJsonStandIn } from './json-stand-in.ts';

export interface FakeEdge {
  url: string;
  /** Every batch the edge stored, in order. */
  batches: SyncBatch[];
  /** The latest event per entity, per page. */
  pages: Map<string, Map<string, CoreEvent>>;
  /** Answer every request with this status instead (e.g. 503), or null to work normally. */
  failWith: number | null;
  /** Answer 400 to any batch holding one of these event ids (a poison event). */
  refuseIds: Set<string>;
  /** Answer this status to any batch for these pages (one page's coordinator is broken). */
  failPages: Map<string, number>;
  /** POSTs to /_sync (status checks are counted apart). */
  requests: number;
  statusRequests: number;
  /** Publish each stored batch's render at once (true), or only on `publish` (false). */
  autoPublish: boolean;
  /** Reported as the coordinator's last error while renders are held back. */
  renderError: string | null;
  /** Publishes every render version promised to the page so far. */
  publish(pageId: string): void;
  status(pageId: string): PageRenderStatus | null;
  /** Holds every request until the returned function is called. */
  hold(): () => void;
  close(): Promise<void>;
}

export async function startFakeEdge(publicKey: CryptoKey): Promise<FakeEdge> {
  let gate: Promise<void> = Promise.resolve();
  const seen = new Map<string, Set<string>>();
  const renderVersions = new Map<string, number>();
  const published = new Map<string, { version: number; at: string }>();
  const edge: FakeEdge = {
    url: '',
    batches: [],
    pages: new Map(),
    failWith: null,
    refuseIds: new Set(),
    failPages: new Map(),
    requests: 0,
    statusRequests: 0,
    autoPublish: true,
    renderError: null,
    publish: (pageId) => {
      const version = renderVersions.get(pageId) ?? 0;
      if ((published.get(pageId)?.version ?? 0) < version) {
        published.set(pageId, { version, at: new Date().toISOString() });
      }
    },
    status: (pageId) => {
      if (!renderVersions.has(pageId)) return null;
      const done = published.get(pageId);
      const pending = (done?.version ?? 0) < (renderVersions.get(pageId) ?? 0);
      return {
        pageId,
        publishedVersion: done?.version ?? 0,
        renderedAt: done?.at ?? null,
        pending,
        failures: pending && edge.renderError ? 1 : 0,
        lastError: pending ? edge.renderError : null,
      };
    },
    hold: () => {
      let release = () => {};
      gate = new Promise((r) => {
        release = r;
      });
      return release;
    },
    close: () => server.close(),
  };
  const server = await startJsonStandIn(async (req) => {
    const token = req.token;
    const statusMatch = /^\/_sync\/pages\/([^/]+)\/status$/.exec(req.url);
    if (req.method === 'GET' && statusMatch) {
      edge.statusRequests++;
      if (edge.failWith !== null) return send(edge.failWith, { title: 'down for the test' });
      const pageId = decodeURIComponent(statusMatch[1] as string);
      const request = syncReadRequest('GET', syncStatusPath(pageId));
      if (!(await verifySyncReadToken(publicKey, token, pageId, request))) {
        return send(401, { title: 'bad token' });
      }
      const status = edge.status(pageId);
      return status ? send(200, status) : send(404, { title: 'unknown page' });
    }

    await gate;
    edge.requests++;
    if (edge.failWith !== null) return send(edge.failWith, { title: 'down for the test' });
    const match = /^\/_sync\/pages\/([^/]+)$/.exec(req.url);
    if (req.method !== 'POST' || !match) return send(404, { title: 'not found' });
    const pageId = decodeURIComponent(match[1] as string);
    const body = req.body;
    if (!(await verifySyncToken(publicKey, token, pageId, body))) {
      return send(401, { title: 'bad token' });
    }
    const parsed = SyncBatch.safeParse(JSON.parse(body));
    if (!parsed.success || parsed.data.pageId !== pageId) return send(400, { title: 'bad' });
    const pageFailure = edge.failPages.get(pageId);
    if (pageFailure !== undefined) return send(pageFailure, { title: 'page broken for the test' });
    if (parsed.data.events.some((e) => edge.refuseIds.has(e.id))) {
      return send(400, { title: 'poison for the test' });
    }
    edge.batches.push(parsed.data);
    const ids = seen.get(pageId) ?? new Set<string>();
    seen.set(pageId, ids);
    const state = edge.pages.get(pageId) ?? new Map<string, CoreEvent>();
    edge.pages.set(pageId, state);
    const results: { id: string; outcome: SyncOutcome }[] = [];
    let applied = false;
    for (const event of parsed.data.events) {
      const known = state.get(entityKey(event));
      let outcome: SyncOutcome = 'applied';
      if (ids.has(event.id)) outcome = 'duplicate';
      else if (known && known.version > event.version) outcome = 'stale';
      ids.add(event.id);
      if (outcome === 'applied') {
        state.set(entityKey(event), event);
        applied = true;
      }
      results.push({ id: event.id, outcome });
    }
    const version = (renderVersions.get(pageId) ?? 0) + (applied ? 1 : 0);
    renderVersions.set(pageId, version);
    if (edge.autoPublish) edge.publish(pageId);
    const result: SyncResult = { pageId, renderVersion: version, results };
    return send(200, result);
  });
  edge.url = server.url;
  return edge;
}
