// Property test of the templates: hostile text in every field a customer writes goes through
// the real renderer and comes out as text. The markup of a page full of payloads must be the
// markup of the same page with plain words: same tags, same attributes, links http(s) only.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  Incident,
  Maintenance,
  Service,
  StatusPage,
  type UptimeDay,
} from '../../worker/domain/schema.ts';
import type { PageSnapshot } from '../../worker/domain/snapshot.ts';
import { renderVariant } from '../../worker/render/documents.ts';
import { LIVE_SCRIPT } from '../../worker/render/live-script.ts';
import { hostileName, hostileText, hostileUrl, resourceId } from '../support/arbitraries.ts';

/** A page without its one live script, when it has exactly that one (else unchanged). */
function withoutLiveScript(html: string): string {
  const parts = html.split(`<script>${LIVE_SCRIPT}</script>`);
  return parts.length === 2 ? parts.join('') : html;
}

const now = new Date('2026-11-21T10:00:00Z');
const HOUR = 3_600_000;
const at = (h: number) => new Date(now.getTime() + h * HOUR).toISOString();

/** Everything a customer writes on a page, with the shape of the page it fills. */
const customerText = fc.record({
  pageName: hostileName,
  groupName: hostileName,
  supportUrl: hostileUrl,
  logoUrl: hostileUrl,
  services: fc.uniqueArray(
    fc.record({ id: resourceId, name: hostileName, description: hostileText(200) }),
    { minLength: 1, maxLength: 4, selector: (s: { id: string }) => s.id },
  ),
  incidents: fc.uniqueArray(
    fc.record({
      id: resourceId,
      name: hostileName,
      bodies: fc.array(hostileText(300), { maxLength: 3 }),
      resolved: fc.boolean(),
    }),
    { maxLength: 3, selector: (i: { id: string }) => i.id },
  ),
  maintenance: fc.record({ name: hostileName, body: hostileText(300) }),
});
type CustomerText = typeof customerText extends fc.Arbitrary<infer T> ? T : never;

/** The page, validated by the same schemas as the core API, with `word` applied to all text. */
function snapshotOf(t: CustomerText, word: (s: string) => string): PageSnapshot {
  const url = (u: string) => (word(u) === u ? u : 'https://links.example.com/plain');
  const serviceIds = t.services.map((s) => s.id);
  const services = t.services.map((s, i) =>
    Service.parse({
      id: s.id,
      name: word(s.name),
      description: word(s.description),
      status: (['operational', 'partial_outage', 'major_outage'] as const)[i % 3],
    }),
  );
  const incidents = t.incidents.map((inc, i) =>
    Incident.parse({
      id: inc.id,
      name: word(inc.name),
      status: inc.resolved ? 'resolved' : 'identified',
      impact: 'major',
      serviceIds,
      createdAt: at(-2 - i),
      ...(inc.resolved ? { resolvedAt: at(-1) } : {}),
      updates: inc.bodies.map((body, u) => ({
        id: `u${u}`,
        status: 'identified',
        body: word(body),
        createdAt: at(-2 - i + u * 0.1),
      })),
    }),
  );
  const maintenance = Maintenance.parse({
    id: 'm1',
    name: word(t.maintenance.name),
    status: 'scheduled',
    serviceIds,
    scheduledFor: at(24),
    scheduledUntil: at(26),
    updates: [
      { id: 'mu1', status: 'scheduled', body: word(t.maintenance.body), createdAt: at(-1) },
    ],
  });
  const uptime: UptimeDay[] = serviceIds.map((id) => ({
    serviceId: id,
    date: '2026-11-20',
    partialOutageSeconds: 600,
    majorOutageSeconds: 60,
  }));
  return {
    page: StatusPage.parse({
      id: 'p1',
      name: word(t.pageName),
      hostnames: ['status.example.com'],
      visibility: 'public',
      serviceIds,
      groups: [{ id: 'g1', name: word(t.groupName), serviceIds: serviceIds.slice(0, 2) }],
      branding: { logoUrl: url(t.logoUrl), accentColor: '#3b2fc9' },
      supportUrl: url(t.supportUrl),
    }),
    services,
    incidents,
    maintenances: [maintenance],
    uptime,
  };
}

const TAG = /<(\/?[a-zA-Z][a-zA-Z0-9:-]*)((?:\s+[^\s"'>/=]+(?:="[^"]*")?)*)\s*\/?>/g;
const ATTR = /\s+([^\s"'>/=]+)(?:="([^"]*)")?/g;

interface Markup {
  /** Tag names with their attribute names, in document order. */
  tags: string[];
  /** Every href and src value, unescaped enough to judge its scheme. */
  links: string[];
  /** `<` or `>` left outside any tag: markup that is not ours. */
  stray: number;
}

function markup(html: string): Markup {
  const body = html
    .replace(/<style>[\s\S]*?<\/style>/, '<style></style>')
    .replace(/^<!doctype html>/i, '')
    .replace(/^<\?xml[^>]*\?>/, '');
  const tags: string[] = [];
  const links: string[] = [];
  const rest = body.replace(TAG, (_m, name: string, attrs: string) => {
    const names: string[] = [];
    for (const [, attr, value] of attrs.matchAll(ATTR)) {
      names.push(attr!.toLowerCase());
      if ((attr === 'href' || attr === 'src') && value !== undefined) {
        links.push(
          value
            .replace(/&#x2F;/g, '/')
            .replace(/&#x3D;/g, '=')
            .replace(/&amp;/g, '&'),
        );
      }
    }
    tags.push(`${name.toLowerCase()}[${names.join(' ')}]`);
    return '';
  });
  return { tags, links, stray: (rest.match(/[<>]/g) ?? []).length };
}

const plain = (s: string) => (s === '' ? '' : 'word');

/** The shape of a JSON document: its keys and array lengths, not its strings. */
function shape(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(shape);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shape(v)]));
  }
  return typeof value;
}

describe('templates with hostile customer text', () => {
  it('emit the markup of a plain page: no script, no extra tag or attribute, links http(s)', async () => {
    await fc.assert(
      fc.asyncProperty(customerText, async (text) => {
        const hostile = await renderVariant(
          snapshotOf(text, (s) => s),
          'public',
          now,
        );
        const reference = await renderVariant(snapshotOf(text, plain), 'public', now);
        expect(hostile.map((d) => d.path)).toEqual(reference.map((d) => d.path));
        for (const [i, doc] of hostile.entries()) {
          const ref = reference[i]!;
          if (doc.contentType.includes('json')) {
            // The JSON API: still JSON, with the same fields whatever the text.
            expect(shape(JSON.parse(doc.body)), doc.path).toEqual(shape(JSON.parse(ref.body)));
            continue;
          }
          // HTML pages, the Atom and RSS feeds and the SVG badge.
          // No script but the page's own live script, byte for byte (the CSP's hash).
          expect(withoutLiveScript(doc.body), doc.path).not.toMatch(/<script/i);
          const got = markup(withoutLiveScript(doc.body));
          const want = markup(withoutLiveScript(ref.body));
          expect(got.stray, doc.path).toBe(0);
          expect(got.tags, doc.path).toEqual(want.tags);
          expect(got.tags.some((t) => /[[ ]on/.test(t))).toBe(false);
          for (const link of got.links) expect(link, doc.path).toMatch(/^(https?:\/\/|\/(?!\/)|#)/);
        }
      }),
      { numRuns: 60 },
    );
  });
});
