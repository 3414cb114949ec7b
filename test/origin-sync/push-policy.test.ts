import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../origin-sync/backoff-delay.ts';
import { CircuitBreaker } from '../../origin-sync/push/backoff.ts';
import { buildPageBatch } from '../../origin-sync/push/batch-body.ts';
import type { OutboxItem } from '../../origin-sync/store/outcomes.ts';
import { SyncBatch } from '../../worker/sync/contract.ts';
import { serviceEvent } from '../support/events.ts';

describe('retry backoff', () => {
  const policy = { initialMs: 100, maxMs: 1_000 };
  it('doubles per attempt up to the cap, with jitter over the upper half', () => {
    expect([1, 2, 3, 4, 5, 9].map((n) => backoffDelay(n, policy, () => 0))).toEqual([
      50, 100, 200, 400, 500, 500,
    ]);
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, policy, () => 1))).toEqual([
      100, 200, 400, 800, 1000,
    ]);
  });
});

describe('circuit breaker', () => {
  const options = { failureThreshold: 3, open: { initialMs: 1_000, maxMs: 8_000 } };

  it('opens after consecutive failures, then lets one probe through after the cool-down', () => {
    const b = new CircuitBreaker(options, () => 1);
    expect(b.failure(0)).toBeNull();
    expect(b.failure(0)).toBeNull();
    expect(b.tryAcquire(0)).toBe(true);
    expect(b.failure(0)).toBe('opened');
    expect(b.state).toBe('open');
    expect(b.tryAcquire(999)).toBe(false);
    expect(b.tryAcquire(1_000)).toBe(true);
    expect(b.state).toBe('half_open');
    expect(b.tryAcquire(1_000)).toBe(false);
    expect(b.failure(1_000)).toBe('reopened');
    expect(b.retryAt).toBe(3_000);
    expect(b.tryAcquire(3_000)).toBe(true);
    expect(b.success()).toBe('closed');
    expect(b.tryAcquire(3_000)).toBe(true);
    expect(b.tryAcquire(3_000)).toBe(true);
  });

  it('a success resets the failure count', () => {
    const b = new CircuitBreaker(options);
    b.failure(0);
    b.failure(0);
    expect(b.success()).toBeNull();
    expect(b.failure(0)).toBeNull();
    expect(b.state).toBe('closed');
  });
});

describe('page batch body', () => {
  const items: OutboxItem[] = Array.from({ length: 10 }, (_, i) => ({
    eventSeq: i + 1,
    eventId: `evt_s${i}`,
    body: JSON.stringify(serviceEvent({ id: `s${i}`, description: 'x'.repeat(100) })),
  }));

  it('merges queued items into one SyncBatch, in queue order', () => {
    const batch = buildPageBatch('p', items);
    expect(batch?.items).toHaveLength(10);
    const parsed = SyncBatch.parse(JSON.parse(new TextDecoder().decode(batch?.body)));
    expect(parsed.pageId).toBe('p');
    expect(parsed.events.map((e) => e.id)).toEqual(items.map((i) => JSON.parse(i.body).id));
  });

  it('stays within the event and byte limits, but always carries at least one event', () => {
    expect(buildPageBatch('p', items, { maxEvents: 3, maxBytes: 1e6 })?.items).toHaveLength(3);
    const small = buildPageBatch('p', items, { maxEvents: 100, maxBytes: 700 });
    expect(small?.items.length).toBeGreaterThan(0);
    expect(small?.items.length).toBeLessThan(10);
    expect(small?.body.byteLength ?? 0).toBeLessThanOrEqual(700);
    expect(buildPageBatch('p', items, { maxEvents: 100, maxBytes: 10 })?.items).toHaveLength(1);
    expect(buildPageBatch('p', [])).toBeNull();
  });
});
