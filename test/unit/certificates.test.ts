// Pure parts of the certificate updater: backoff, Retry-After, status classification,
// configuration.
import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../origin-sync/backoff-delay.ts';
import { ApiGate } from '../../origin-sync/certificates/backoff.ts';
import {
  type CustomHostname,
  parseRetryAfter,
} from '../../origin-sync/certificates/cloudflare-api.ts';
import { certificateConfigFromEnv } from '../../origin-sync/certificates/config.ts';
import {
  classify,
  newHostnameState,
  observe,
  validationRecordsOf,
} from '../../origin-sync/certificates/hostname-state.ts';

const policy = { initialMs: 100, maxMs: 1_000 };

describe('backoff', () => {
  it('doubles per attempt, never below half the step, and stops at the cap', () => {
    expect(backoffDelay(1, policy, () => 0)).toBe(50);
    expect(backoffDelay(1, policy, () => 1)).toBe(100);
    expect(backoffDelay(4, policy, () => 0)).toBe(400);
    expect(backoffDelay(4, policy, () => 0.999)).toBeLessThanOrEqual(800);
    expect(backoffDelay(51, policy, () => 1)).toBe(1_000);
    expect(backoffDelay(51, policy, () => 0)).toBe(500);
  });

  it('holds the whole API after a 429 for Retry-After, bounded by the maximum', () => {
    const gate = new ApiGate({
      minIntervalMs: 0,
      outageBackoff: policy,
      defaultRetryAfterMs: 60_000,
      maxRetryAfterMs: 300_000,
      random: () => 0,
    });
    expect(gate.nextStartAt()).toBe(0);
    expect(gate.rateLimited(1_000, 2_000)).toBe(3_000);
    expect(gate.nextStartAt()).toBe(3_000);
    expect(gate.rateLimited(1_000, undefined)).toBe(61_000);
    expect(gate.rateLimited(1_000, 10 * 3_600_000)).toBe(301_000);
  });

  it('holds longer after each outage failure in a row, and resets on success', () => {
    const gate = new ApiGate({
      minIntervalMs: 0,
      outageBackoff: policy,
      defaultRetryAfterMs: 1,
      maxRetryAfterMs: 1,
      random: () => 0,
    });
    expect(gate.unavailable(0)).toBe(50);
    expect(gate.unavailable(0)).toBe(100);
    expect(gate.unavailable(0)).toBe(200);
    gate.succeeded();
    expect(gate.unavailable(10_000)).toBe(10_050);
  });

  it('paces calls and gives up waiting when stopped', async () => {
    const gate = new ApiGate({
      minIntervalMs: 30,
      outageBackoff: policy,
      defaultRetryAfterMs: 1,
      maxRetryAfterMs: 60_000,
    });
    await gate.pace(Date.now);
    const before = Date.now();
    await gate.pace(Date.now);
    expect(Date.now() - before).toBeGreaterThanOrEqual(29);

    gate.rateLimited(Date.now(), 60_000);
    const stop = new AbortController();
    const waiting = gate.pace(Date.now, stop.signal);
    stop.abort();
    await expect(waiting).rejects.toThrow();
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-11-21T10:00:00Z');
    expect(parseRetryAfter('30', now)).toBe(30_000);
    expect(parseRetryAfter('Sat, 21 Nov 2026 10:01:00 GMT', now)).toBe(60_000);
    expect(parseRetryAfter('Sat, 21 Nov 2026 09:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });
});

function ch(
  status: string,
  sslStatus: string,
  extra: Partial<CustomHostname> = {},
): CustomHostname {
  return { id: 'ch_1', hostname: 'status.acme.com', status, ssl: { status: sslStatus }, ...extra };
}

describe('status classification', () => {
  it('is active only when both the hostname and its certificate are', () => {
    expect(classify(ch('active', 'active')).kind).toBe('active');
    expect(classify(ch('pending', 'active')).kind).toBe('pending');
    expect(classify(ch('active', 'pending_deployment')).kind).toBe('pending');
    expect(classify(ch('pending', 'initializing')).kind).toBe('pending');
  });

  it('fails on documented dead ends, and reads unknown statuses as pending', () => {
    expect(classify(ch('pending', 'validation_timed_out')).kind).toBe('failed');
    expect(classify(ch('active', 'issuance_timed_out')).kind).toBe('failed');
    expect(classify(ch('moved', 'active'))).toMatchObject({
      kind: 'failed',
      reason: expect.stringContaining('CNAME'),
    });
    expect(classify(ch('blocked', 'pending_validation')).kind).toBe('failed');
    expect(classify(ch('deleted', 'deleted')).kind).toBe('gone');
    expect(classify(ch('pending_deletion', 'pending_deletion')).kind).toBe('pending');
    expect(classify(ch('some_new_status', 'some_new_ssl_status')).kind).toBe('pending');
  });

  it('turns ownership and DCV records into what the customer must publish', () => {
    const records = validationRecordsOf(
      ch('pending', 'pending_validation', {
        ownership_verification: { type: 'txt', name: '_cf-custom-hostname.x.com', value: 'o1' },
        ownership_verification_http: { http_url: 'http://x.com/.well-known/cf', http_body: 'o2' },
        ssl: {
          status: 'pending_validation',
          validation_records: [{ txt_name: '_acme-challenge.x.com', txt_value: 'v1' }],
        },
      }),
    );
    expect(records).toEqual([
      { type: 'txt', purpose: 'ownership', name: '_cf-custom-hostname.x.com', value: 'o1' },
      { type: 'http', purpose: 'ownership', url: 'http://x.com/.well-known/cf', body: 'o2' },
      { type: 'txt', purpose: 'certificate', name: '_acme-challenge.x.com', value: 'v1' },
    ]);
  });

  it('follows a pending hostname with growing intervals until the follow time-out', () => {
    const settings = {
      poll: { initialMs: 1_000, maxMs: 8_000 },
      followTimeoutMs: 60_000,
      recheckActiveMs: 86_400_000,
      recheckStalledMs: 3_600_000,
      random: () => 0,
    };
    let state = newHostnameState('status.acme.com', 'p1', 0, true, 'evt_1');
    const waits: number[] = [];
    let now = 0;
    for (let i = 0; i < 5; i++) {
      state = observe(state, ch('pending', 'pending_validation'), now, settings).state;
      waits.push(state.nextAttemptAt - now);
      now = state.nextAttemptAt;
    }
    expect(waits).toEqual([500, 1_000, 2_000, 4_000, 4_000]);
    expect(state.phase).toBe('pending');

    const late = observe(state, ch('pending', 'pending_validation'), 61_000, settings);
    expect(late.state.phase).toBe('timed_out');
    expect(late.state.nextAttemptAt).toBe(61_000 + 3_600_000);
    expect(late.steps[0]).toMatchObject({ action: 'timed_out' });
  });
});

describe('configuration', () => {
  it('is off, naming what is missing, without zone and token', () => {
    expect(certificateConfigFromEnv({})).toEqual({
      enabled: false,
      reason: 'CLOUDFLARE_ZONE_ID and CLOUDFLARE_API_TOKEN not set',
    });
    expect(certificateConfigFromEnv({ CLOUDFLARE_ZONE_ID: 'a'.repeat(32) })).toMatchObject({
      enabled: false,
      reason: 'CLOUDFLARE_API_TOKEN not set',
    });
  });

  it("defaults to Cloudflare's v4 API and HTTP validation", () => {
    expect(
      certificateConfigFromEnv({ CLOUDFLARE_ZONE_ID: 'a'.repeat(32), CLOUDFLARE_API_TOKEN: 't' }),
    ).toEqual({
      enabled: true,
      baseUrl: 'https://api.cloudflare.com/client/v4',
      zoneId: 'a'.repeat(32),
      apiToken: 't',
      sslMethod: 'http',
    });
  });

  it('refuses values that are set but unusable', () => {
    expect(() => certificateConfigFromEnv({ CLOUDFLARE_API_BASE_URL: 'not a url' })).toThrow(
      /CLOUDFLARE_API_BASE_URL/,
    );
    expect(() => certificateConfigFromEnv({ CLOUDFLARE_SSL_METHOD: 'email' })).toThrow(
      /CLOUDFLARE_SSL_METHOD/,
    );
    expect(() => certificateConfigFromEnv({ CLOUDFLARE_ZONE_ID: '../x' })).toThrow(
      /CLOUDFLARE_ZONE_ID/,
    );
  });
});

describe('a timed-out validation', () => {
  it('is re-checked slowly by asking Cloudflare to retry validation', () => {
    const settings = {
      poll: { initialMs: 1_000, maxMs: 8_000 },
      followTimeoutMs: 60_000,
      recheckActiveMs: 86_400_000,
      recheckStalledMs: 3_600_000,
    };
    const state = newHostnameState('status.acme.com', 'p1', 0, true, undefined);
    const failed = observe(state, ch('pending', 'validation_timed_out'), 5_000, settings).state;
    expect(failed).toMatchObject({ phase: 'failed', revalidate: true, nextAttemptAt: 3_605_000 });
    const blocked = observe(state, ch('blocked', 'pending_validation'), 5_000, settings).state;
    expect(blocked).toMatchObject({ phase: 'failed', revalidate: false });
  });
});
