// The worker exactly as deployed, except that each PageCoordinator records the KV writes it
// makes (through its KvWriter seam, the only way the coordinator writes KV) so the coalescing
// benchmark can see every write and when it happened. Bundled by wrangler like the real worker
// (scripts/lib/system.ts, `startSystem({ build: { entry } })`); never deployed.
import { PageCoordinator as Coordinator } from '../../worker/coordinator/page-coordinator.ts';
import type { Env } from '../../worker/env.ts';
import { parsePointer, pointerKey } from '../../worker/store/pointer.ts';
import { type KvWrite, observeKvWrites } from './kv-write-log.ts';

export { HostnameRegistry } from '../../worker/coordinator/hostname-registry.ts';
export { default } from '../../worker/index.ts';
// The worker's other objects, as worker/index.ts exports them: wrangler refuses a bundle
// whose configuration names an object class its entry does not export.
export { DeliveryIndex } from '../../worker/subscriptions/delivery-index.ts';

export interface ObservedReport {
  status: Awaited<ReturnType<Coordinator['status']>>;
  /** The writes since the previous report. */
  writes: KvWrite[];
}

export class PageCoordinator extends Coordinator {
  private readonly observed: KvWrite[] = [];

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // Inside workerd the clock stands still while code runs and moves on with I/O: `startedAt`
    // is at or before the real start of a write, `endedAt` when KV acknowledged it.
    this.kv = observeKvWrites(
      this.kv,
      (w) => this.observed.push(w),
      Date.now,
      // Documents carry their render version as metadata; the pointer holds it in its value.
      (key, value, metadata) =>
        metadata?.version ??
        (key.startsWith(pointerKey('')) && typeof value === 'string'
          ? parsePointer(value)?.version
          : undefined),
    );
  }

  /**
   * The coordinator's status and its writes since the last call, as JSON. A string: an object
   * answer would hold an RPC result in Miniflare's proxy that nobody can dispose from Node.
   */
  async report(): Promise<string> {
    const report: ObservedReport = { status: await this.status(), writes: this.observed.splice(0) };
    return JSON.stringify(report);
  }
}
