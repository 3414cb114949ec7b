// Subscriptions end to end inside workerd: the visitor's form, double opt-in by POST, the
// coordinator deciding notifications in the transaction that applies an event, and the
// delivery queue origin-sync leases from (worker/sync/deliveries-contract.ts).
import { describe, expect, it } from 'vitest';
import { incidentEvent } from '../support/events.ts';
import {
  confirmPath,
  lease,
  postForm,
  report,
  subscribablePage,
  T0,
  visit,
} from './support/subscriptions.ts';

describe('subscribing', () => {
  it('confirms only by POST, then tells the subscriber of a new incident exactly once', async () => {
    const host = 'subs-basic.example';
    const page = await subscribablePage('page_subs_basic', host);

    const form = await visit(`http://${host}/subscribe`);
    expect(form.status).toBe(200);
    expect(form.headers.get('Cache-Control')).toBe('private, no-store');
    const html = await form.text();
    expect(html).toContain('<label for="email">');
    expect(html).toContain('name="component" value="api"');
    expect(html).not.toContain('<script');

    const posted = await postForm(`http://${host}/subscribe`, [['email', 'Ada@Example.com']], {
      'CF-Connecting-IP': '203.0.113.7',
    });
    expect(posted.status).toBe(303);
    expect(posted.headers.get('Location')).toBe('/subscribe/check');

    const [confirm, ...more] = await lease();
    expect(more).toEqual([]);
    expect(confirm?.kind).toBe('subscription_confirm');
    if (confirm?.channel !== 'email') throw new Error('expected an email');
    expect(confirm.email.to).toBe('ada@example.com');
    expect(confirm.email.headers['List-Unsubscribe']).toBeUndefined();
    await report([confirm]);

    // A link scanner's GET confirms nothing: an incident now tells nobody.
    const path = confirmPath(confirm);
    const shown = await visit(`http://${host}${path}`);
    expect(shown.status).toBe(200);
    expect(await shown.text()).toContain('<form method="post"');
    await page.sync([incidentEvent({ id: 'inc_before', serviceIds: ['api'] }, 1, T0)]);
    expect(await lease()).toEqual([]);

    const confirmed = await postForm(`http://${host}${path}`, []);
    expect(confirmed.status).toBe(200);

    const event = incidentEvent({ id: 'inc_1', serviceIds: ['api'], name: 'API <errors>' }, 1, T0);
    await page.sync([event]);
    await page.sync([event]); // origin-sync sent it twice
    const leased = await lease();
    expect(leased).toHaveLength(1);
    const d = leased[0]!;
    expect(d.kind).toBe('incident_created');
    expect(d.attempt).toBe(1);
    if (d.channel !== 'email') throw new Error('expected an email');
    expect(d.email.to).toBe('ada@example.com');
    expect(d.email.subject).toContain('API <errors>');
    expect(d.email.html).toContain('API &lt;errors&gt;');
    expect(d.email.html).not.toContain('API <errors>');
    expect(d.email.headers['List-Unsubscribe']).toMatch(
      new RegExp(`^<http://${host.replace('.', '\\.')}/subscribe/unsubscribe/[0-9a-f]{32}\\.`),
    );
    expect(d.email.headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
    expect(d.email.headers['List-Id']).toContain(host);
    expect(d.email.messageId).toMatch(new RegExp(`@${host.replace('.', '\\.')}$`));
    expect(await report(leased)).toEqual({ recorded: 1, lapsed: [] });
    expect(await lease()).toEqual([]);
  });
});
