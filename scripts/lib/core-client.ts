// Sends core events to origin-sync as the core platform does (signed, docs/contract.md §1).
// Used by npm start (demo data), the end-to-end tests and the benchmarks.

import { SIGNATURE_HEADER, signatureHeader } from '../../origin-sync/http/signature.ts';
import type { CoreEvent } from '../../worker/domain/schema.ts';

export const MAX_EVENTS_PER_REQUEST = 500;

export interface CoreClientOptions {
  /** origin-sync's base URL, e.g. http://127.0.0.1:8788 */
  url: string | URL;
  secret: string;
}

export async function postCoreEvents(
  opts: CoreClientOptions,
  events: readonly CoreEvent[],
  init: { signal?: AbortSignal; t?: number } = {},
): Promise<Response> {
  const body = JSON.stringify({ events });
  return fetch(new URL('/v1/events', opts.url), {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      [SIGNATURE_HEADER]: signatureHeader(opts.secret, body, init.t),
    },
    body,
    ...(init.signal ? { signal: init.signal } : {}),
  });
}

/** Sends events in batches of at most 500, in order; throws on any refusal. */
export async function sendAllCoreEvents(
  opts: CoreClientOptions,
  events: readonly CoreEvent[],
  batchSize = MAX_EVENTS_PER_REQUEST,
): Promise<{ accepted: number; duplicates: number }> {
  let accepted = 0;
  let duplicates = 0;
  for (let i = 0; i < events.length; i += batchSize) {
    const res = await postCoreEvents(opts, events.slice(i, i + batchSize));
    const text = await res.text();
    if (res.status !== 202) throw new Error(`origin-sync answered ${res.status}: ${text}`);
    const body = JSON.parse(text) as { accepted: number; duplicates: number };
    accepted += body.accepted;
    duplicates += body.duplicates;
  }
  return { accepted, duplicates };
}
