// End to end, real processes: the takeover found in review (issue 12) — a signed upsert of a
// new page naming the demo page's hostname — is refused with 409 and the page is unchanged;
// a move (release, then claim) through origin-sync works in one batch and in two.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postCoreEvents, sendAllCoreEvents } from '../../scripts/lib/core-client.ts';
import { type System, startSystem } from '../../scripts/lib/system.ts';
import { pageEvent, serviceEvent } from '../support/events.ts';
import { waitFor } from '../support/wait.ts';
import { eventTrace } from './support/operator.ts';

const HOST = 'demo.takeover.test';
let system: System;

const html = async (host: string) => {
  const res = await system.worker.visit(`http://${host}/`);
  return res.status === 200 ? res.text() : '';
};

beforeAll(async () => {
  system = await startSystem();
  await sendAllCoreEvents(system.core, [
    serviceEvent({ id: 'api', name: 'Acme API' }),
    pageEvent({ id: 'page_demo', name: 'Acme', hostnames: [HOST], serviceIds: ['api'] }),
  ]);
  await waitFor(async () => (await html(HOST)).includes('Acme API'), {
    timeoutMs: 60_000,
    what: 'the demo page',
  });
}, 120_000);

afterAll(async () => {
  await system?.stop();
});

describe('a page naming another live page’s hostname', () => {
  it('is refused with 409 naming the event, the field and the holder, and changes nothing', async () => {
    const evil = pageEvent({
      id: 'page_evil',
      name: 'Totally Acme',
      hostnames: ['evil.takeover.test', HOST],
      serviceIds: ['api'],
    });
    const res = await postCoreEvents(system.core, [
      serviceEvent({ id: 'evil_svc', name: 'Evil' }),
      evil,
    ]);
    expect(res.status).toBe(409);
    expect(res.headers.get('Content-Type')).toContain('application/problem+json');
    const problem = (await res.json()) as {
      errors: { index: number; pointer: string; holder: string }[];
    };
    expect(problem.errors).toEqual([
      expect.objectContaining({
        index: 1,
        pointer: '/events/1/data/hostnames/1',
        holder: 'page_demo',
      }),
    ]);
    // Nothing of the batch was accepted: not even its other event.
    expect(await eventTrace(system, evil.id)).toBeNull();
    await new Promise((r) => setTimeout(r, 3000));
    const page = await html(HOST);
    expect(page).toContain('<title>Acme status</title>');
    expect(page).not.toContain('Totally Acme');
    expect(await html('evil.takeover.test')).toBe('');
  });

  it('moves in one batch (release, then claim) and in two', async () => {
    await sendAllCoreEvents(system.core, [
      pageEvent({
        id: 'page_old',
        name: 'Old home',
        hostnames: ['one.takeover.test', 'two.takeover.test'],
        serviceIds: ['api'],
      }),
    ]);
    await waitFor(async () => (await html('two.takeover.test')).includes('Old home'), {
      timeoutMs: 30_000,
      what: 'the old page',
    });
    await sendAllCoreEvents(system.core, [
      pageEvent(
        { id: 'page_old', name: 'Old home', hostnames: ['two.takeover.test'], serviceIds: ['api'] },
        2,
      ),
      pageEvent({
        id: 'page_new',
        name: 'New home',
        hostnames: ['one.takeover.test'],
        serviceIds: ['api'],
      }),
    ]);
    await sendAllCoreEvents(system.core, [
      pageEvent({ id: 'page_old', name: 'Old home', hostnames: [], serviceIds: ['api'] }, 3),
    ]);
    await sendAllCoreEvents(system.core, [
      pageEvent(
        {
          id: 'page_new',
          name: 'New home',
          hostnames: ['one.takeover.test', 'two.takeover.test'],
          serviceIds: ['api'],
        },
        2,
      ),
    ]);
    for (const host of ['one.takeover.test', 'two.takeover.test']) {
      await waitFor(async () => (await html(host)).includes('New home'), {
        timeoutMs: 30_000,
        what: `${host} on the new page`,
      });
    }
  });
});
