// Before origin-sync answers a core batch, the edge's hostname registries must agree that its
// claims hold (docs/contract.md §1: a hostname another live page holds is refused with 409, and the
// answer is the same on every replica). This module turns a batch into its steps — a page's
// upsert releases the hostnames it no longer names and claims the ones it names; a deletion
// releases them all — and asks the edge to check and reserve them
// (POST /_sync/hostnames, worker/sync/contract.ts). The edge decides; origin-sync only asks.
import type { CryptoKey } from 'jose';
import type { CoreEvent } from '../worker/domain/schema.ts';
import {
  HOSTNAMES_PATH,
  type HostnameClaimOp,
  HostnameClaimsResult,
  type HostnameConflict,
} from '../worker/sync/contract.ts';
import { signSyncToken } from './sync-token.ts';

/**
 * Pure: the batch's hostname steps in its order. `known` gives a page's hostnames as origin-sync
 * knows them before the batch (null: unknown page); earlier events of the batch count.
 */
export function hostnameOps(
  events: readonly CoreEvent[],
  known: (pageId: string) => readonly string[] | null,
): HostnameClaimOp[] {
  const current = new Map<string, readonly string[]>();
  const hostnamesOf = (pageId: string) => current.get(pageId) ?? known(pageId) ?? [];
  const ops: HostnameClaimOp[] = [];
  events.forEach((event, i) => {
    if (event.type !== 'status_page.upserted' && event.type !== 'status_page.deleted') return;
    const pageId = event.data.id;
    const before = hostnamesOf(pageId);
    const after = event.type === 'status_page.upserted' ? event.data.hostnames : [];
    for (const hostname of before) {
      if (!after.includes(hostname)) {
        ops.push({ op: 'release', hostname, pageId, event: i, path: `/events/${i}/data/id` });
      }
    }
    after.forEach((hostname, j) => {
      ops.push({
        op: 'claim',
        hostname,
        pageId,
        event: i,
        path: `/events/${i}/data/hostnames/${j}`,
      });
    });
    current.set(pageId, after);
  });
  return ops;
}

/** Checks and reserves a batch's steps at the edge; the conflicts (none: all hold). Throws
 * when the edge did not answer: the batch is then not accepted (fail closed, 503). */
export type HostnameClaimer = (ops: HostnameClaimOp[]) => Promise<HostnameConflict[]>;

export interface ClaimerOptions {
  workerUrl: string;
  privateKey: CryptoKey;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

export function edgeHostnameClaimer(opts: ClaimerOptions): HostnameClaimer {
  const doFetch = opts.fetch ?? fetch;
  return async (ops) => {
    if (ops.length === 0) return [];
    const body = JSON.stringify({ ops });
    const token = signSyncToken(opts.privateKey, HOSTNAMES_PATH, body);
    const res = await doFetch(new URL(HOSTNAMES_PATH, opts.workerUrl), {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body,
      signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
    });
    const text = await res.text();
    if (res.status !== 200)
      throw new Error(`the edge answered ${res.status}: ${text.slice(0, 200)}`);
    return HostnameClaimsResult.parse(JSON.parse(text)).conflicts;
  };
}

/** The 409 problem for a refused batch (docs/contract.md §1). */
export function conflictProblem(conflicts: readonly HostnameConflict[]) {
  return {
    title: 'Hostname held by another page',
    status: 409,
    detail: `${conflicts.map((c) => `${c.hostname} is held by page ${c.holder}`).join('; ')}; the whole batch was rejected and nothing changed.`,
    errors: conflicts.map((c) => ({
      index: c.event,
      path: c.path.split('/').slice(3).join('.'),
      pointer: c.path,
      message: `${c.hostname} is held by page ${c.holder}`,
      hostname: c.hostname,
      holder: c.holder,
    })),
  };
}
