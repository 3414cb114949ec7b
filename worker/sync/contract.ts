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

export const SyncOutcome = z.enum(['applied', 'duplicate', 'stale']);
export type SyncOutcome = z.infer<typeof SyncOutcome>;

export const SyncResult = z.object({
  pageId: ResourceId,
  /** The render version that will contain every applied event of this batch. */
  renderVersion: z.number().int().min(0),
  results: z.array(z.object({ id: z.string(), outcome: SyncOutcome })),
});
export type SyncResult = z.infer<typeof SyncResult>;
