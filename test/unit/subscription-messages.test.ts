// What a subscriber receives (worker/subscriptions/messages.ts): the email's parts in their
// language with customer text escaped in HTML, and the webhook body in Statuspage's shape.
import { describe, expect, it } from 'vitest';
import { renderEmail, renderWebhookBody } from '../../worker/subscriptions/messages.ts';
import type { NotificationPayload, Subscriber } from '../../worker/subscriptions/model.ts';

const AT = '2026-12-01T12:00:00.000Z';
const payload: NotificationPayload = {
  kind: 'incident_updated',
  subject: {
    type: 'incident',
    updateId: 'u2',
    incident: {
      id: 'inc_1',
      name: 'API <b>errors</b>',
      status: 'identified',
      impact: 'major',
      serviceIds: ['api'],
      createdAt: AT,
      updates: [
        { id: 'u1', status: 'investigating', body: 'Looking & checking', createdAt: AT },
        {
          id: 'u2',
          status: 'identified',
          body: '<script>x</script> found',
          createdAt: '2026-12-01T12:05:00.000Z',
        },
      ],
    },
  },
  page: {
    id: 'page_1',
    name: 'Acme "Cloud"',
    locale: 'en',
    hostnames: ['status.acme.example'],
    timeZone: 'Europe/Berlin',
  },
  serviceIds: ['api'],
  serviceNames: { api: 'Public API' },
  status: { public: { indicator: 'major', description: 'Partial System Outage' } },
  createdAt: AT,
};
const subscriber: Subscriber = {
  n: 1,
  id: 'a'.repeat(32),
  email: 'ada@example.org',
  webhookUrl: null,
  secret: null,
  components: null,
  incidentId: null,
  variant: 'public',
  language: 'en',
  origin: 'https://status.acme.example',
  state: 'confirmed',
};
const links = {
  page: 'https://status.acme.example/',
  manage: 'https://status.acme.example/subscribe/manage/t',
  unsubscribe: 'https://status.acme.example/subscribe/unsubscribe/t',
};

describe('an incident email', () => {
  const mail = renderEmail(
    'incident_updated',
    payload,
    subscriber,
    links,
    '"Acme" <page-1.status.acme.example>',
    'n1.sa@status.acme.example',
  );

  it('names the incident and its new status, from the page', () => {
    expect(mail.subject).toBe('[Acme "Cloud"] API <b>errors</b>: Identified');
    expect(mail.fromName).toBe('Acme "Cloud"');
    expect(mail.to).toBe('ada@example.org');
  });

  it('escapes customer text in HTML and keeps it as written in text', () => {
    expect(mail.html).toContain('API &lt;b&gt;errors&lt;&#x2F;b&gt;');
    expect(mail.html).toContain('&lt;script&gt;x&lt;&#x2F;script&gt; found');
    expect(mail.html).not.toContain('<script>');
    expect(mail.text).toContain('<script>x</script> found');
    expect(mail.text).toContain('Affects Public API');
    expect(mail.text).toContain('https://status.acme.example/incidents/inc_1');
    expect(mail.text).toContain(links.unsubscribe);
    expect(mail.text).toContain(links.manage);
    // Times in the page's zone, written for people (1:05 PM in Berlin), not ISO strings.
    expect(mail.text).toMatch(/Dec 1, 2026, 0?1:05 PM/);
    expect(mail.text).not.toContain('2026-12-01T');
  });

  it('carries the one-click unsubscribe headers', () => {
    expect(mail.headers).toEqual({
      'List-Unsubscribe': `<${links.unsubscribe}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      'List-Id': '"Acme" <page-1.status.acme.example>',
    });
  });

  it('speaks the subscriber’s language, right to left in Arabic', () => {
    const ar = renderEmail(
      'incident_updated',
      payload,
      { ...subscriber, language: 'ar' },
      links,
      'l',
      'm@x',
    );
    expect(ar.html).toContain('<html lang="ar" dir="rtl">');
    expect(ar.subject).not.toContain('Identified');
    expect(ar.language).toBe('ar');
  });
});

describe('a webhook body', () => {
  it('is Statuspage’s incident shape plus id and type', () => {
    const body = JSON.parse(
      renderWebhookBody('d1.page_1', 'incident_updated', payload, subscriber, links),
    );
    expect(body).toMatchObject({
      id: 'd1.page_1',
      type: 'incident_updated',
      meta: { unsubscribe: links.unsubscribe, generated_at: AT },
      page: {
        id: 'page_1',
        status_indicator: 'major',
        status_description: 'Partial System Outage',
      },
      incident: {
        id: 'inc_1',
        name: 'API <b>errors</b>',
        status: 'identified',
        impact: 'major',
        shortlink: 'https://status.acme.example/incidents/inc_1',
      },
    });
    expect(body.incident.incident_updates.map((u: { id: string }) => u.id)).toEqual(['u2', 'u1']);
  });
});
