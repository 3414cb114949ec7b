// The certificate updater's lifecycle against the local custom hostnames stand-in.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CertificateUpdater, DomainView } from '../../../origin-sync/certificates/index.ts';
import {
  type CloudflareStandin,
  STAY_PENDING,
  startCloudflareStandin,
  WALK_TO_ACTIVE,
  WALK_TO_VALIDATION_TIMEOUT,
} from '../../support/cloudflare-standin.ts';
import { FAST, type Harness, makeUpdater, sleep, tempDir, waitFor } from './support.ts';

let standin: CloudflareStandin;
let dir: string;
let cleanup: () => Promise<void>;
const running: CertificateUpdater[] = [];

beforeAll(async () => {
  standin = await startCloudflareStandin();
});
afterAll(async () => {
  await standin.close();
});
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
  standin.requests.length = 0;
  standin.defaultWalk = WALK_TO_ACTIVE;
  standin.down = false;
});
afterEach(async () => {
  for (const u of running.splice(0)) await u.stop();
  await cleanup();
});

function harness(overrides: Parameters<typeof makeUpdater>[2] = {}): Harness {
  const h = makeUpdater(standin, dir, overrides);
  running.push(h.updater);
  return h;
}

function domain(u: CertificateUpdater, pageId: string, hostname: string): DomainView | undefined {
  return u.domains(pageId)?.domains.find((d) => d.hostname === hostname);
}

const untilState = (u: CertificateUpdater, pageId: string, hostname: string, state: string) =>
  waitFor(() => {
    const d = domain(u, pageId, hostname);
    return d?.state === state ? d : undefined;
  }, `${hostname} ${state} on ${pageId}`);

describe('add → pending → active', () => {
  it('creates the custom hostname, shows the customer what to publish, and follows it to active', async () => {
    const host = 'status.add.com';
    standin.script(host, STAY_PENDING); // the customer has not set their DNS yet
    const { updater, steps } = harness();
    await updater.start();
    await updater.pageHostnamesChanged('page_a', ['Status.Add.com.'], {
      eventId: 'evt_page_1',
      version: 1,
    });

    const pending = await waitFor(() => {
      const d = domain(updater, 'page_a', host);
      return d?.certificateStatus === 'pending_validation' ? d : undefined;
    }, 'pending validation');
    expect(pending).toMatchObject({
      state: 'pending',
      hostnameStatus: 'pending',
      lastError: null,
      verificationErrors: ['custom hostname does not CNAME to this zone.'],
    });
    expect(pending.customHostnameId).toBe(standin.entry(host)?.id);
    expect(pending.validationRecords).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          type: 'txt',
          purpose: 'ownership',
          name: `_cf-custom-hostname.${host}`,
        }),
        expect.objectContaining({
          type: 'http',
          purpose: 'certificate',
          url: expect.stringMatching(`^http://${host}/.well-known/acme-challenge/`),
        }),
      ]),
    );

    // One create, after looking for an existing one, with the documented body and auth.
    const posts = standin.requests.filter((r) => r.method === 'POST');
    expect(posts).toHaveLength(1);
    expect(posts[0]!.body).toEqual({
      hostname: host,
      ssl: { method: 'http', type: 'dv' },
      custom_metadata: { managed_by: 'edge-status-pages', page_id: expect.any(String) },
    });
    expect(posts[0]!.authorization).toBe(`Bearer ${standin.token}`);
    expect(standin.requests[0]).toMatchObject({
      method: 'GET',
      path: '',
      query: `?hostname=${host}`,
    });

    standin.script(host, WALK_TO_ACTIVE.slice(2)); // DNS set: issuance, deployment, active
    const active = await untilState(updater, 'page_a', host, 'active');
    expect(active).toMatchObject({ hostnameStatus: 'active', certificateStatus: 'active' });
    expect(active.lastError).toBeNull();

    const mine = steps.filter((s) => s.step.hostname === host);
    expect(mine.every((s) => s.eventId === 'evt_page_1')).toBe(true);
    expect(mine.map((s) => s.step.action)).toEqual(
      expect.arrayContaining(['requested', 'created', 'pending', 'active']),
    );
    const details = mine.map((s) => s.step.detail).join('\n');
    expect(details).toContain('certificate pending_issuance');
    expect(details).toContain('certificate pending_deployment');
    expect(standin.count('POST')).toBe(1);
  });

  it('refuses to adopt or delete a custom hostname it did not create', async () => {
    const host = 'status.victim.com';
    const id = standin.seed(host);
    const { updater } = harness();
    await updater.start();
    await updater.pageHostnamesChanged('page_evil', [host]);
    const failed = await untilState(updater, 'page_evil', host, 'failed');
    expect(failed.lastError?.message).toContain('not created by edge status pages');
    expect(failed.customHostnameId ?? null).toBeNull();
    expect(standin.count('POST')).toBe(0);
    await updater.pageHostnamesChanged('page_evil', []);
    await waitFor(() => updater.domains('page_evil')?.domains.length === 0, 'gone from the page');
    expect(standin.entry(host)?.id).toBe(id);
    expect(standin.count('DELETE')).toBe(0);
  });

  it('adopts a custom hostname it created earlier instead of creating a duplicate', async () => {
    const host = 'status.adopt.com';
    const id = standin.seed(host, undefined, 'http', {
      managed_by: 'edge-status-pages',
      page_id: 'page_adopt',
    });
    const { updater, steps } = harness();
    await updater.start();
    await updater.pageHostnamesChanged('page_adopt', [host]);
    const active = await untilState(updater, 'page_adopt', host, 'active');
    expect(active.customHostnameId).toBe(id);
    expect(standin.count('POST')).toBe(0);
    expect(steps.map((s) => s.step.action)).toContain('adopted');
  });

  it('refuses nothing silently: a hostname Cloudflare rejects is failed with its reason', async () => {
    const { updater } = harness();
    await updater.start();
    await updater.pageHostnamesChanged('page_demo', ['demo.localhost']);
    const failed = await untilState(updater, 'page_demo', 'demo.localhost', 'failed');
    expect(failed.lastError?.message).toContain('1409');
    expect(failed.lastError?.message).toContain('Reserved top domain');
  });
});

describe('remove → deleted', () => {
  it('deletes the custom hostname once no page wants it', async () => {
    const host = 'status.remove.com';
    const { updater, steps } = harness();
    await updater.start();
    await updater.pageHostnamesChanged('page_r', [host], { version: 1 });
    await untilState(updater, 'page_r', host, 'active');

    await updater.pageHostnamesChanged('page_r', [], { eventId: 'evt_r2', version: 2 });
    expect(domain(updater, 'page_r', host)?.state).toBe('removing');
    await waitFor(() => !standin.hostnames().includes(host), 'deletion at Cloudflare');
    await waitFor(() => updater.domains('page_r')?.domains.length === 0, 'gone from the page');
    expect(standin.count('DELETE')).toBe(1);
    expect(steps.find((s) => s.step.action === 'deleted')?.eventId).toBe('evt_r2');
  });

  it('ignores a stale page event (older version)', async () => {
    const { updater } = harness();
    await updater.start();
    await updater.pageHostnamesChanged('page_s', ['status.stale.com'], { version: 5 });
    const stale = await updater.pageHostnamesChanged('page_s', [], { version: 4 });
    expect(stale.applied).toBe(false);
    expect(updater.hostname('status.stale.com')?.desired).toBe('present');
  });
});

describe('move A → B', () => {
  it('keeps the certificate when B claims the hostname before A lets it go', async () => {
    const host = 'status.move.com';
    const { updater, steps } = harness();
    await updater.start();
    await updater.pageHostnamesChanged('page_a', [host], { version: 1 });
    const before = await untilState(updater, 'page_a', host, 'active');

    await updater.pageHostnamesChanged('page_b', [host], { eventId: 'evt_b', version: 1 });
    await updater.pageHostnamesChanged('page_a', [], { eventId: 'evt_a', version: 2 });
    expect(updater.domains('page_a')?.domains).toEqual([]);
    expect(domain(updater, 'page_b', host)).toMatchObject({
      state: 'active',
      customHostnameId: before.customHostnameId,
    });
    await sleep(FAST.removalGraceMs * 4); // past the removal grace: still nothing deleted
    expect(standin.count('DELETE')).toBe(0);
    expect(standin.count('POST')).toBe(1);
    expect(standin.entry(host)?.id).toBe(before.customHostnameId);
    expect(steps.find((s) => s.step.action === 'moved')).toMatchObject({
      eventId: 'evt_b',
      step: { pageId: 'page_b', detail: expect.stringContaining('from page page_a') },
    });
  });

  it('keeps the certificate when A lets go first and B claims it within the grace period', async () => {
    const host = 'status.move2.com';
    const { updater } = harness({ timing: { removalGraceMs: 5_000 } });
    await updater.start();
    await updater.pageHostnamesChanged('page_a', [host]);
    const before = await untilState(updater, 'page_a', host, 'active');

    await updater.pageHostnamesChanged('page_a', []);
    expect(domain(updater, 'page_a', host)?.state).toBe('removing');
    await updater.pageHostnamesChanged('page_b', [host]);
    const gets = standin.count('GET');
    // Claimed again: it is looked at once more (back to active) and never deleted.
    const after = await waitFor(() => {
      const d = domain(updater, 'page_b', host);
      return d?.state === 'active' && standin.count('GET') > gets ? d : undefined;
    }, 'active on page B');
    expect(after.customHostnameId).toBe(before.customHostnameId);
    expect(updater.hostname(host)).toMatchObject({ desired: 'present', pageId: 'page_b' });
    expect(standin.count('DELETE')).toBe(0);
    expect(standin.count('POST')).toBe(1);
  });
});

describe('rate limited', () => {
  it('holds every call until Retry-After has passed, then carries on', async () => {
    standin.failNext({ status: 429, retryAfter: '1', method: 'GET' });
    const { updater } = harness({ timing: { concurrency: 1 } });
    await updater.start();
    await updater.pageHostnamesChanged('page_rl', ['one.ratelimit.com', 'two.ratelimit.com']);

    const limited = await waitFor(
      () =>
        updater
          .domains('page_rl')
          ?.domains.find((d) => d.lastError?.message.includes('rate limited')),
      'the 429 to show',
    );
    expect(limited.lastError?.message).toContain('HTTP 429');
    await untilState(updater, 'page_rl', 'one.ratelimit.com', 'active');
    await untilState(updater, 'page_rl', 'two.ratelimit.com', 'active');

    const i = standin.requests.findIndex((r) => r.status === 429);
    const next = standin.requests[i + 1]!;
    expect(next.at - standin.requests[i]!.at).toBeGreaterThanOrEqual(1_000);
    expect(standin.count('POST')).toBe(2);
  });
});

describe('stopping', () => {
  it('does not wait out a rate-limit hold, and resumes after a restart', async () => {
    const host = 'status.stop.com';
    standin.failNext({ status: 429, retryAfter: '30', method: 'GET' });
    const first = harness();
    await first.updater.start();
    await first.updater.pageHostnamesChanged('page_stop', [host]);
    await waitFor(() => domain(first.updater, 'page_stop', host)?.lastError, 'the 429');
    const before = Date.now();
    await first.updater.stop();
    expect(Date.now() - before).toBeLessThan(10_000); // not the 30 s hold

    const second = harness();
    await second.updater.start();
    await untilState(second.updater, 'page_stop', host, 'active');
  });
});

describe('API down for a while and back', () => {
  it('backs off exponentially while the API fails, then provisions once it is back', async () => {
    const host = 'status.outage.com';
    standin.down = true;
    const { updater } = harness({ timing: { concurrency: 1 } });
    await updater.start();
    await updater.pageHostnamesChanged('page_o', [host]);

    await waitFor(() => standin.requests.length >= 5, 'five failed calls');
    const shown = domain(updater, 'page_o', host)!;
    expect(shown.state).toBe('provisioning');
    expect(shown.lastError?.message).toContain('HTTP 503');
    // Equal jitter: the n-th wait is at least half of 20 ms × 2^n.
    const at = standin.requests.slice(0, 5).map((r) => r.at);
    for (let n = 0; n < 4; n++) {
      expect(at[n + 1]! - at[n]!).toBeGreaterThanOrEqual((20 * 2 ** n) / 2 - 1);
    }

    standin.down = false;
    const active = await untilState(updater, 'page_o', host, 'active');
    expect(active.lastError).toBeNull();
    expect(standin.hostnames().filter((h) => h === host)).toHaveLength(1);
  });

  it('does not duplicate a hostname whose create answer was lost (5xx after applying)', async () => {
    const host = 'status.lost.com';
    standin.failNext({ status: 502, method: 'POST', afterApplying: true });
    const { updater, steps } = harness();
    await updater.start();
    await updater.pageHostnamesChanged('page_l', [host]);
    await untilState(updater, 'page_l', host, 'active');
    expect(standin.hostnames().filter((h) => h === host)).toHaveLength(1);
    expect(standin.count('POST')).toBe(1);
    expect(steps.map((s) => s.step.action)).toEqual(
      expect.arrayContaining(['retrying', 'adopted', 'active']),
    );
  });

  it('says what is wrong when the token is refused', async () => {
    const { updater } = harness({ token: 'wrong-token' });
    await updater.start();
    await updater.pageHostnamesChanged('page_t', ['status.token.com']);
    const shown = await waitFor(
      () => domain(updater, 'page_t', 'status.token.com')?.lastError,
      'an error',
    );
    expect(shown.message).toContain('HTTP 403');
    expect(shown.message).toContain('SSL and Certificates');
  });
});

describe('validation failures and time-outs', () => {
  it('marks a validation time-out failed, keeps the records, and retries validation when the page is saved again', async () => {
    const host = 'status.dcv.com';
    standin.script(host, WALK_TO_VALIDATION_TIMEOUT);
    const { updater } = harness();
    await updater.start();
    await updater.pageHostnamesChanged('page_v', [host], { version: 1 });
    const failed = await untilState(updater, 'page_v', host, 'failed');
    expect(failed.certificateStatus).toBe('validation_timed_out');
    expect(failed.lastError?.message).toContain('validation_timed_out');
    expect(failed.validationErrors).toEqual(['no TXT record found at _acme-challenge']);
    expect(failed.validationRecords.length).toBeGreaterThan(0);

    const calls = standin.requests.length;
    await sleep(50);
    expect(standin.requests.length).toBe(calls); // a failed hostname is not polled

    await updater.pageHostnamesChanged('page_v', [host], { version: 2 });
    await untilState(updater, 'page_v', host, 'active');
    expect(standin.count('PATCH')).toBe(1);
    expect(standin.requests.find((r) => r.method === 'PATCH')?.body).toEqual({
      ssl: { method: 'http', type: 'dv' },
    });
  });

  it('stops following a hostname that stays pending past the follow time-out', async () => {
    const host = 'status.slow.com';
    standin.script(host, STAY_PENDING);
    const { updater } = harness({ timing: { followTimeoutMs: 150 } });
    await updater.start();
    await updater.pageHostnamesChanged('page_slow', [host]);
    const timedOut = await untilState(updater, 'page_slow', host, 'timed_out');
    expect(timedOut.lastError?.message).toMatch(
      /not active after .*custom hostname does not CNAME/,
    );
    const calls = standin.requests.length;
    await sleep(60);
    expect(standin.requests.length).toBe(calls);
  });
});

describe('restart', () => {
  it('resumes following pending hostnames from the saved state', async () => {
    const host = 'status.restart.com';
    standin.script(host, STAY_PENDING);
    const first = harness();
    await first.updater.start();
    await first.updater.pageHostnamesChanged('page_x', [host], { eventId: 'evt_x', version: 3 });
    await untilState(first.updater, 'page_x', host, 'pending');
    await first.updater.stop();

    standin.script(host, WALK_TO_ACTIVE.slice(2));
    const second = harness();
    await second.updater.start();
    await untilState(second.updater, 'page_x', host, 'active');
    expect(standin.count('POST')).toBe(1);
    expect(second.steps.find((s) => s.step.action === 'active')?.eventId).toBe('evt_x');
    // The page's version survived too: replaying the old event changes nothing.
    expect((await second.updater.pageHostnamesChanged('page_x', [], { version: 3 })).applied).toBe(
      false,
    );
  });
});

describe('reconcile', () => {
  it('provisions listed pages, removes hostnames of pages that are gone, and leaves failed ones alone', async () => {
    standin.script('status.rec-fail.com', WALK_TO_VALIDATION_TIMEOUT);
    const { updater } = harness();
    await updater.start();
    await updater.pageHostnamesChanged('page_gone', ['status.rec-gone.com']);
    await updater.pageHostnamesChanged('page_kept', ['status.rec-fail.com']);
    await untilState(updater, 'page_gone', 'status.rec-gone.com', 'active');
    await untilState(updater, 'page_kept', 'status.rec-fail.com', 'failed');
    const patches = standin.count('PATCH');

    // As after a restart: page_gone was deleted meanwhile, page_new appeared.
    await updater.reconcile([
      { id: 'page_kept', hostnames: ['status.rec-fail.com'] },
      { id: 'page_new', hostnames: ['status.rec-new.com'] },
    ]);
    await untilState(updater, 'page_new', 'status.rec-new.com', 'active');
    await waitFor(() => !standin.hostnames().includes('status.rec-gone.com'), 'deletion');
    // The updater forgets the hostname once the API's answer to the delete is in, a moment later.
    await waitFor(
      () => updater.health().hostnames === 2,
      'the updater to forget the deleted hostname',
    );
    expect(domain(updater, 'page_kept', 'status.rec-fail.com')?.state).toBe('failed');
    expect(standin.count('PATCH')).toBe(patches);
    expect(updater.health()).toMatchObject({
      enabled: true,
      hostnames: 2,
      states: { active: 1, failed: 1 },
    });
  });
});

describe('without zone and token', () => {
  it('is off, says so once at start, and still lists hostnames as disabled', async () => {
    const { updater, logs } = harness({
      config: { enabled: false, reason: 'CLOUDFLARE_ZONE_ID and CLOUDFLARE_API_TOKEN not set' },
    });
    await updater.start();
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatchObject({ level: 'warn', msg: expect.stringContaining('off') });
    expect(logs[0]!.msg).toContain('CLOUDFLARE_ZONE_ID');

    await updater.pageHostnamesChanged('page_d', ['status.off.com']);
    expect(updater.domains('page_d')).toMatchObject({
      certificates: 'disabled',
      domains: [{ hostname: 'status.off.com', state: 'disabled', certificateStatus: 'disabled' }],
    });
    await sleep(30);
    expect(standin.requests).toHaveLength(0);
  });
});
