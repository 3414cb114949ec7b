// What every origin-sync part that calls the worker's /_sync is given: where the edge is, the
// key its tokens are signed with, and the seams tests and benchmarks replace (fetch, clock,
// randomness, log); and how an answer about one page is read. The pusher and the render
// confirmer extend the options with their own knobs.
import type { CryptoKey } from 'jose';
import type { z } from 'zod';
import type { Logger } from '../log.ts';

export interface EdgeClientOptions {
  workerUrl: string;
  privateKey: CryptoKey;
  /** Pages worked on at once to begin with. */
  concurrency?: number;
  requestTimeoutMs?: number;
  fetch?: typeof fetch;
  now?: () => number;
  random?: () => number;
  log?: Logger;
}

/** The edge's JSON answer about one page, if it parses and is about that page; else null. */
export function pageAnswer<T extends { pageId: string }>(
  schema: z.ZodType<T>,
  text: string,
  pageId: string,
): T | null {
  try {
    const result = schema.safeParse(JSON.parse(text));
    return result.success && result.data.pageId === pageId ? result.data : null;
  } catch {
    return null;
  }
}
