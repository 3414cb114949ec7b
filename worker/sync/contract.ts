// The /_sync contract between origin-sync and the worker (internal: ours to change, but
// both sides import this file, so they cannot drift apart).
//
//   POST /_sync/pages/:pageId
//   Authorization: Bearer <JWT>     EdDSA (Ed25519), signed by origin-sync's private key
//   Content-Type: application/json
//   Body: SyncBatch
//
// The token's claims (all required):
//   iss = SYNC_ISSUER, aud = SYNC_AUDIENCE, iat, exp (exp - iat ≤ SYNC_TOKEN_MAX_TTL_S),
//   page = the :pageId of the URL, sha256 = base64url SHA-256 of the exact body bytes.
// So a token cannot be replayed with another body or against another page, and is short-lived.
//
// Answers:
//   200 SyncResult      only after the page's coordinator stored the batch durably
//   400 problem+json    the body is not a SyncBatch, or its pageId (or a status_page event's
//                       data.id) is not the URL's page; `errors: [{ path, message }]` names
//                       the fields, e.g. "events.3.data.status" (nothing stored)
//   401 problem+json    missing, expired, mis-signed or mis-bound token (nothing stored)
//   413 problem+json    the body is over MAX_SYNC_BYTES (nothing stored)
//   503 problem+json    the coordinator could not store it (or the worker has no valid
//                       SYNC_PUBLIC_KEY); origin-sync retries
// The token is checked before the body is parsed. A batch that applied nothing (all duplicate
// or stale) reports the render version already published; otherwise the next one, and every
// later render contains the batch too.
//
//   GET /_sync/pages/:pageId/status
//   Authorization: Bearer <JWT>     the same key, iss, aud, iat and exp rules as above
//
// How origin-sync learns that a promised render version is live (the edge never calls
// origin-sync: it may not be reachable). A GET has no body to bind, so instead of `sha256` the
// token carries `req` = "GET /_sync/pages/<pageId>/status" (syncReadRequest: method and the
// canonical path, the page id URL-encoded as in syncStatusPath), plus `page` as above. A read
// token has no `sha256` and a write token no `req`, so neither passes for the other.
// Answers:
//   200 PageRenderStatus   versions ≤ publishedVersion are in KV: a promised renderVersion N
//                          is live once publishedVersion ≥ N
//   401 problem+json       missing, expired, mis-signed or mis-bound token
//   404 problem+json       the edge never stored a batch for this page
//   503 problem+json       the coordinator did not answer (or no valid SYNC_PUBLIC_KEY)
//
//   POST /_sync/hostnames
//   Authorization: Bearer <JWT>     a write token as above, with `page` = HOSTNAMES_PATH (not a
//                                   page id: it cannot pass for a page's token, nor one for it)
//   Body: HostnameClaims            a core batch's claims and releases, in the batch's order
//
// origin-sync asks this before it answers a core batch, so that whichever replica receives
// it, a hostname another live page holds is refused (docs/contract.md §1: 409). The edge checks
// every step first and reserves only if all hold (a release earlier in the batch frees the
// hostname for a later claim); a reservation lost to a concurrent batch is undone. The page's
// coordinator claims again when the batch arrives and answers `refused` for a lost claim.
// Answers:
//   200 HostnameClaimsResult  `conflicts` empty: reserved; else what was refused (nothing kept)
//   400 / 401 / 413 / 503     as for a page's batch
import { z } from 'zod';
import { CoreEvent, ResourceId } from '../domain/schema.ts';

export const SYNC_ISSUER = 'origin-sync';
export const SYNC_AUDIENCE = 'edge-status-pages/_sync';
export const SYNC_ALG = 'EdDSA';
export const SYNC_TOKEN_MAX_TTL_S = 300;
export const MAX_SYNC_EVENTS = 1000;
export const MAX_SYNC_BYTES = 8 * 1024 * 1024;

export function syncPath(pageId: string): string {
  return `/_sync/pages/${encodeURIComponent(pageId)}`;
}

export function syncStatusPath(pageId: string): string {
  return `${syncPath(pageId)}/status`;
}

/** What a read token's `req` claim binds: the method and the canonical path. */
export function syncReadRequest(method: 'GET', path: string): string {
  return `${method} ${path}`;
}

/**
 * A batch for one page: core events (unchanged, ids and versions as the core sent them)
 * that touch the page. origin-sync's fan-out adds, for a page that starts showing a
 * service, the events that carry that service's current state, incidents and uptime.
 */
export const SyncBatch = z.object({
  pageId: ResourceId,
  events: z.array(CoreEvent).min(1).max(MAX_SYNC_EVENTS),
});
export type SyncBatch = z.infer<typeof SyncBatch>;

/** `refused`: a page upsert naming a hostname another page holds (nothing of it stored). */
export const SyncOutcome = z.enum(['applied', 'duplicate', 'stale', 'refused']);
export type SyncOutcome = z.infer<typeof SyncOutcome>;

export const SyncResult = z.object({
  pageId: ResourceId,
  /** The render version that will contain every applied event of this batch. */
  renderVersion: z.number().int().min(0),
  results: z.array(
    z.object({ id: z.string(), outcome: SyncOutcome, detail: z.string().max(500).optional() }),
  ),
});
export type SyncResult = z.infer<typeof SyncResult>;

/** What the page's coordinator has published (GET /_sync/pages/:pageId/status). */
export const PageRenderStatus = z.object({
  pageId: ResourceId,
  /** The last render version written to KV completely (0: never rendered). */
  publishedVersion: z.number().int().min(0),
  /** When that version's render finished (null: never rendered). */
  renderedAt: z.iso.datetime().nullable(),
  /** Changes are stored that no published render contains yet. */
  pending: z.boolean(),
  /** Consecutive failed render attempts since the last success, and the latest one's error. */
  failures: z.number().int().min(0),
  lastError: z.string().nullable(),
});
export type PageRenderStatus = z.infer<typeof PageRenderStatus>;

export const HOSTNAMES_PATH = '/_sync/hostnames';
export const MAX_HOSTNAME_OPS = 5000;

export const HostnameClaimOp = z.object({
  op: z.enum(['claim', 'release']),
  hostname: z.string().min(1).max(253),
  pageId: ResourceId,
  /** Where the step comes from in the core batch: event index and JSON Pointer. */
  event: z.number().int().min(0),
  path: z.string().max(200),
});
export type HostnameClaimOp = z.infer<typeof HostnameClaimOp>;

export const HostnameClaims = z.object({
  ops: z.array(HostnameClaimOp).min(1).max(MAX_HOSTNAME_OPS),
});
export type HostnameClaims = z.infer<typeof HostnameClaims>;

export const HostnameConflict = z.object({
  hostname: z.string(),
  /** The live page that holds the hostname. */
  holder: z.string(),
  event: z.number().int().min(0),
  path: z.string(),
});
export type HostnameConflict = z.infer<typeof HostnameConflict>;

export const HostnameClaimsResult = z.object({ conflicts: z.array(HostnameConflict) });
export type HostnameClaimsResult = z.infer<typeof HostnameClaimsResult>;
