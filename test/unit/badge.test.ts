import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import type { OverallStatus } from '../../worker/domain/indicator.ts';
import { BADGE_COLOURS, renderBadge } from '../../worker/render/api/badge.ts';

interface SvgNode {
  '@_role'?: string;
  '@_aria-label'?: string;
  '@_width'?: string;
  title?: string;
  rect?: { '@_fill': string }[];
  g?: { text: { '#text': string; '@_fill': string }[] };
}

function parse(svg: string): SvgNode {
  expect(XMLValidator.validate(svg)).toBe(true);
  const doc = new XMLParser({
    ignoreAttributes: false,
    isArray: (name) => name === 'rect' || name === 'text',
  }).parse(svg) as { svg: SvgNode };
  expect(Object.keys(doc)).toEqual(['svg']);
  return doc.svg;
}

/** WCAG 2 contrast ratio of two #rrggbb colours. */
function contrast(a: string, b: string): number {
  const lum = (hex: string) => {
    const [r, g, bl] = [1, 3, 5].map((i) => {
      const v = Number.parseInt(hex.slice(i, i + 2), 16) / 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * bl!;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

const STATUSES: [OverallStatus, string][] = [
  [{ indicator: 'none', description: 'All Systems Operational' }, BADGE_COLOURS.none.fill],
  [{ indicator: 'minor', description: 'Minor Service Outage' }, BADGE_COLOURS.minor.fill],
  [{ indicator: 'major', description: 'Partial System Outage' }, BADGE_COLOURS.major.fill],
  [{ indicator: 'critical', description: 'Major System Outage' }, BADGE_COLOURS.critical.fill],
  [{ indicator: 'none', description: 'Service Under Maintenance' }, BADGE_COLOURS.maintenance.fill],
];

describe('status badge', () => {
  it('tells the status in words and colour, to eyes and screen readers alike', () => {
    const fills = new Set<string>();
    for (const [status, fill] of STATUSES) {
      const svg = parse(renderBadge('Acme Cloud', status));
      expect(svg['@_role']).toBe('img');
      expect(svg.title).toBe(`Acme Cloud status: ${status.description}`);
      expect(svg['@_aria-label']).toBe(svg.title);
      const [label, value] = svg.g!.text;
      expect(label!['#text']).toBe('Acme Cloud');
      expect(value!['#text']).toBe(status.description);
      expect(svg.rect!.map((r) => r['@_fill'])).toContain(fill);
      // Readable: 11px text on its background keeps WCAG AA contrast.
      expect(contrast(value!['@_fill'], fill)).toBeGreaterThanOrEqual(4.5);
      expect(contrast(label!['@_fill'], BADGE_COLOURS.label.fill)).toBeGreaterThanOrEqual(4.5);
      fills.add(fill);
    }
    expect(fills.size).toBe(STATUSES.length);
  });

  it('escapes the page name and shortens a long one, keeping it whole for screen readers', () => {
    const name = `<script>alert(1)</script>"'&${'x'.repeat(80)}\u0000`;
    const raw = renderBadge(name, STATUSES[0]![0]);
    expect(raw).not.toMatch(/<script/i);
    expect(raw).not.toContain('\u0000');
    const svg = parse(raw);
    // The parser decodes the entities: the name is back as typed, as text, not as an element.
    expect(svg.title).toBe(`${name.replace('\u0000', '\uFFFD')} status: All Systems Operational`);
    const shown = svg.g!.text[0]!['#text'];
    expect(Array.from(shown)).toHaveLength(40);
    expect(shown.endsWith('…')).toBe(true);
    expect(Number(svg['@_width'])).toBeLessThan(600);
  });
});
