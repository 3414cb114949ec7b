// The publish gives whatever else waits for the thread a turn before each batch of KV writes
// (publish.ts `inBatches`): locally workerd runs readers, the coordinator and Miniflare's KV
// simulator on one event loop that reads the network only when idle, and a reader waited for
// every write of a render (docs/freshness.md). A timer queued before a batch fires before it.
import { describe, expect, it } from 'vitest';
import { inBatches } from '../../worker/coordinator/publish.ts';

describe('a publish’s KV writes', () => {
  it('let a waiting timer run before the first batch and before each next one', async () => {
    const order: string[] = [];
    setTimeout(() => order.push('waiting before'), 0);
    const items = Array.from({ length: 9 }, (_, i) => i);
    await inBatches(items, async (i) => {
      order.push(`write ${i}`);
      if (i === 0) setTimeout(() => order.push('waiting during'), 0);
    });
    expect(order[0]).toBe('waiting before');
    // Writes 0–7 are one batch; write 8 starts only after the timer set during it.
    expect(order.indexOf('waiting during')).toBeLessThan(order.indexOf('write 8'));
    expect(order.indexOf('waiting during')).toBeGreaterThan(order.indexOf('write 7'));
  });
});
