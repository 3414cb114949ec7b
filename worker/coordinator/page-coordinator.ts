import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../env.ts';

/** One per status page: serialises every write to that page. */
export class PageCoordinator extends DurableObject<Env> {}
