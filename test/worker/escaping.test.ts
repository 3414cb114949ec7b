import { exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CoreEvent } from '../../worker/domain/schema.ts';
import { CoreEvent as CoreEventSchema } from '../../worker/domain/schema.ts';
import { LIVE_SCRIPT } from '../../worker/render/live-script.ts';
import { snapshotFromEvents } from '../support/snapshot-from-events.ts';
import { seedPage } from './support/seed.ts';

const XSS = `<script>alert(1)</script>"'><img src=x onerror=alert(2)>`;
const now = new Date();
const at = now.toISOString();

const events: CoreEvent[] = [
  {
    id: 'e1',
    type: 'service.upserted',
    occurredAt: at,
    version: 1,
    data: { id: 's1', name: `API ${XSS}`, description: `desc ${XSS}`, status: 'major_outage' },
  },
  {
    id: 'e2',
    type: 'status_page.upserted',
    occurredAt: at,
    version: 1,
    data: {
      id: 'p_xss',
      name: `Evil ${XSS}`,
      hostnames: ['xss.example.com'],
      visibility: 'public',
      serviceIds: ['s1'],
      groups: [{ id: 'g1', name: `Group ${XSS}`, serviceIds: ['s1'] }],
      branding: {
        logoUrl: `https://cdn.example.com/logo.png?"><script>alert(3)</script>`,
        accentColor: '#112233',
      },
      supportUrl: `https://help.example.com/?q="onmouseover="alert(4)`,
    },
  },
  {
    id: 'e3',
    type: 'incident.upserted',
    occurredAt: at,
    version: 1,
    data: {
      id: 'i1',
      name: `Incident ${XSS}`,
      status: 'identified',
      impact: 'critical',
      serviceIds: ['s1'],
      createdAt: at,
      updates: [
        {
          id: 'u1',
          status: 'identified',
          body: `Body ${XSS}\n\n</p><a href="javascript:alert(5)">x</a>`,
          createdAt: at,
        },
      ],
    },
  },
  {
    id: 'e4',
    type: 'maintenance.upserted',
    occurredAt: at,
    version: 1,
    data: {
      id: 'm1',
      name: `Maint ${XSS}`,
      status: 'scheduled',
      serviceIds: ['s1'],
      scheduledFor: new Date(now.getTime() + 86_400_000).toISOString(),
      scheduledUntil: new Date(now.getTime() + 90_000_000).toISOString(),
      updates: [{ id: 'mu1', status: 'scheduled', body: `Note ${XSS}`, createdAt: at }],
    },
  },
].map((e) => CoreEventSchema.parse(e));

beforeAll(async () => {
  await seedPage(snapshotFromEvents(events, 'p_xss'), now);
});

async function html(path: string): Promise<string> {
  const res = await exports.default.fetch(new Request(`http://xss.example.com${path}`));
  expect(res.status).toBe(200);
  return res.text();
}

describe('customer text is escaped in every field', () => {
  for (const path of ['/', '/incidents/i1', '/history']) {
    it(`leaves no live markup on ${path}`, async () => {
      const body = await html(path);
      // The one script is the page's own (its CSP hash), exactly; customer text adds none.
      expect(body.split(`<script>${LIVE_SCRIPT}</script>`)).toHaveLength(2);
      expect(body.replace(`<script>${LIVE_SCRIPT}</script>`, '')).not.toContain('<script');
      expect(body).not.toMatch(/<img src=x/);
      expect(body).not.toMatch(/\sonerror=/);
      expect(body).not.toMatch(/"\s*onmouseover=/);
      expect(body).not.toContain('href="javascript:');
      expect(body).toContain('&lt;script&gt;alert(1)&lt;&#x2F;script&gt;');
    });
  }

  it('keeps attribute values inside their quotes', async () => {
    const body = await html('/');
    // Links are re-serialised by the URL parser (quotes percent-encoded), then HTML-escaped.
    expect(body).toContain(
      'src="https:&#x2F;&#x2F;cdn.example.com&#x2F;logo.png?%22%3E%3Cscript%3Ealert(3)',
    );
    expect(body).toContain(
      'href="https:&#x2F;&#x2F;help.example.com&#x2F;?q&#x3D;%22onmouseover&#x3D;%22alert(4)"',
    );
  });
});
