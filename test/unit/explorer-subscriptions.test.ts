import { describe, expect, it } from 'vitest';
import { pageView } from '../../origin-sync/explorer/views.ts';
import type { SubscriptionsOverview } from '../../worker/sync/deliveries-contract.ts';

const base = {
  pageId: 'page_a',
  name: 'Acme',
  hostnames: [],
  domains: null,
  traces: [],
  filter: {},
  deadLetters: [],
  show: 25,
  actions: [],
  confirmedVersion: null,
  edge: { error: 'not asked in this test' },
  outboxDepth: 0,
  push: null,
};

describe('the explorer page view’s subscriptions', () => {
  it('shows subscribers by state and each notification’s counts, escaped', () => {
    const overview: SubscriptionsOverview = {
      pageId: 'page_a',
      subscribers: { pending: 2, confirmed: 40, quarantined: 1, unsubscribed: 3 },
      notifications: [
        {
          id: 'ntf_<b>1',
          kind: 'incident_created',
          createdAt: '2026-12-02T10:00:00.000Z',
          recipients: 40,
          queued: 5,
          sent: 34,
          failed: 1,
        },
      ],
    };
    const html = String(pageView({ ...base, subscriptions: overview }));
    expect(html).toContain('2 pending, 40 confirmed, 1 quarantined, 3 unsubscribed');
    expect(html).toContain('ntf_&lt;b&gt;1');
    expect(html).not.toContain('ntf_<b>1');
    expect(html).toMatch(/<td>40<\/td><td>5<\/td><td>34<\/td><td><span class="bad">1<\/span>/);
  });

  it('says so when the edge gave no overview', () => {
    const html = String(pageView({ ...base, subscriptions: null }));
    expect(html).toContain('The edge did not say');
  });
});
