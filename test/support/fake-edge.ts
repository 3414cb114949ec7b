// A stand-in for the worker's /_sync (worker/sync/contract.ts) for origin-sync tests: checks
// the token and the batch exactly as the contract says, applies events idempotently by id
// and per-entity version, and can be told to fail.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CryptoKey } from 'jose';
import { entityKey } from '../../origin-sync/state/catalogue.ts';
import type { CoreEvent } from '../../worker/domain/schema.ts';
import { SyncBatch, type SyncOutcome, type SyncResult } from '../../worker/sync/contract.ts';
import { verifySyncToken } from '../../worker/sync/token.ts';

export interface FakeEdge {
  url: string;
  /** Every batch the edge stored, in order. */
  batches: SyncBatch[];
  /** The latest event per entity, per page. */
  pages: Map<string, Map<string, CoreEvent>>;
  /** Answer every push with this status instead (e.g. 503), or null to work normally. */
  failWith: number | null;
  requests: number;
  /** Holds every request until the returned function is called. */
  hold(): () => void;
  close(): Promise<void>;
}

export async function startFakeEdge(publicKey: CryptoKey): Promise<FakeEdge> {
  let gate: Promise<void> = Promise.resolve();
  const seen = new Map<string, Set<string>>();
  const renderVersions = new Map<string, number>();
  const edge: FakeEdge = {
    url: '',
    batches: [],
    pages: new Map(),
    failWith: null,
    requests: 0,
    hold: () => {
      let release = () => {};
      gate = new Promise((r) => {
        release = r;
      });
      return release;
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      await gate;
      edge.requests++;
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (edge.failWith !== null) return send(edge.failWith, { title: 'down for the test' });
      const match = /^\/_sync\/pages\/([^/]+)$/.exec(req.url ?? '');
      if (req.method !== 'POST' || !match) return send(404, { title: 'not found' });
      const pageId = decodeURIComponent(match[1] as string);
      const body = Buffer.concat(chunks).toString('utf8');
      const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
      if (!(await verifySyncToken(publicKey, token, pageId, body))) {
        return send(401, { title: 'bad token' });
      }
      const parsed = SyncBatch.safeParse(JSON.parse(body));
      if (!parsed.success || parsed.data.pageId !== pageId) return send(400, { title: 'bad' });
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
      const result: SyncResult = { pageId, renderVersion: version, results };
      send(200, result);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  edge.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return edge;
}
