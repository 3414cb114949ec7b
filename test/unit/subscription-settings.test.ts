import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, subscriptionSettings } from '../../worker/subscriptions/settings.ts';
import { retryDelayMs } from '../../worker/subscriptions/store.ts';

describe('subscription settings (worker vars)', () => {
  it("defaults to production's policy when the vars are absent or blank", () => {
    expect(subscriptionSettings({})).toEqual({ retryScale: 1, clientLimit: 10, pageLimit: 1000 });
    expect(
      subscriptionSettings({
        DELIVERY_RETRY_SCALE: '',
        SUBSCRIBE_CLIENT_LIMIT: '',
        SUBSCRIBE_PAGE_LIMIT: '',
      }),
    ).toEqual(DEFAULT_SETTINGS);
  });

  it('reads the values wrangler.toml and the local runtime pass as strings', () => {
    expect(
      subscriptionSettings({
        DELIVERY_RETRY_SCALE: '0.002',
        SUBSCRIBE_CLIENT_LIMIT: '100000',
        SUBSCRIBE_PAGE_LIMIT: '100000',
      }),
    ).toEqual({ retryScale: 0.002, clientLimit: 100_000, pageLimit: 100_000 });
  });

  it('refuses a bad value, naming the var, instead of running with an unchosen policy', () => {
    expect(() => subscriptionSettings({ DELIVERY_RETRY_SCALE: '0' })).toThrow(
      /DELIVERY_RETRY_SCALE/,
    );
    expect(() => subscriptionSettings({ DELIVERY_RETRY_SCALE: '2' })).toThrow(
      /DELIVERY_RETRY_SCALE/,
    );
    expect(() => subscriptionSettings({ SUBSCRIBE_CLIENT_LIMIT: 'lots' })).toThrow(
      /SUBSCRIBE_CLIENT_LIMIT/,
    );
    expect(() => subscriptionSettings({ SUBSCRIBE_PAGE_LIMIT: '1.5' })).toThrow(
      /SUBSCRIBE_PAGE_LIMIT/,
    );
  });
});

describe('retry delays', () => {
  const mid = () => 0.5;
  it('double from 30 s to an hour at the production scale', () => {
    expect([1, 2, 3, 7, 8, 9, 20].map((a) => retryDelayMs(a, mid))).toEqual([
      30_000, 60_000, 120_000, 1_920_000, 3_600_000, 3_600_000, 3_600_000,
    ]);
    expect(retryDelayMs(1, () => 0)).toBe(15_000);
    expect(retryDelayMs(1, () => 0.999999)).toBe(45_000);
  });

  it('keep their shape under a scale', () => {
    expect([1, 2, 8, 20].map((a) => retryDelayMs(a, mid, 0.001))).toEqual([30, 60, 3_600, 3_600]);
  });
});
