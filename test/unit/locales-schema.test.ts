// `locales` on status_page.upserted: further languages, each served under /<tag>/. Only
// languages with a catalogue, by their canonical tag (the tag is the path prefix); anything
// else refuses the event with a field path, and the batch changes nothing.
import { describe, expect, it } from 'vitest';
import { CoreEventBatch, StatusPage } from '../../worker/domain/schema.ts';

const page = {
  id: 'p1',
  name: 'Acme',
  hostnames: ['status.acme.com'],
  visibility: 'public',
  serviceIds: [],
};

describe('a page’s locales', () => {
  it('accepts languages with a catalogue', () => {
    expect(StatusPage.parse({ ...page, locales: ['de', 'pt-BR', 'ar'] }).locales).toEqual([
      'de',
      'pt-BR',
      'ar',
    ]);
  });

  it('refuses a language without a catalogue, a non-canonical tag and garbage', () => {
    for (const locales of [['fi'], ['pt-br'], ['de/../x'], ['']]) {
      expect(StatusPage.safeParse({ ...page, locales }).success, JSON.stringify(locales)).toBe(
        false,
      );
    }
  });

  it('names the refused locale by its field path in a batch', () => {
    const result = CoreEventBatch.safeParse({
      events: [
        {
          id: 'evt_1',
          type: 'status_page.upserted',
          occurredAt: '2026-11-21T10:00:00Z',
          version: 1,
          data: { ...page, locales: ['de', 'xx'] },
        },
      ],
    });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('/'))).toEqual(['events/0/data/locales/1']);
  });
});
