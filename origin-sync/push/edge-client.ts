// What every origin-sync part that calls the worker's /_sync is given: where the edge is, the
// key its tokens are signed with, and the seams tests and benchmarks replace (fetch, clock,
// randomness, log). The pusher and the render confirmer extend it with their own knobs.
import type { CryptoKey } from 'jose';
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
