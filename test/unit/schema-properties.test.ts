// Property tests of the core API's validators (docs/contract.md §1): whatever arrives, validation
// answers (never throws), accepts what the contract allows, and lets nothing unsafe through.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CoreEventBatch, Hostname, HttpUrl, isValidHostname } from '../../worker/domain/schema.ts';
import { hostileText, validEvent } from '../support/arbitraries.ts';
import { hostileValue, paths, replaceAt } from '../support/mutate.ts';

describe('CoreEventBatch (POST /v1/events bodies)', () => {
  it('answers any JSON value without throwing, and refuses what is not a batch', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (body) => {
        const result = CoreEventBatch.safeParse(body);
        if (!result.success) expect(result.error.issues.length).toBeGreaterThan(0);
        else expect(result.data.events.length).toBeGreaterThan(0);
      }),
      { numRuns: 300 },
    );
  });

  it('accepts every batch the contract allows, and parsing again changes nothing', () => {
    fc.assert(
      fc.property(fc.array(validEvent, { minLength: 1, maxLength: 5 }), (events) => {
        const result = CoreEventBatch.safeParse({ events });
        if (!result.success) throw new Error(JSON.stringify(result.error.issues, null, 1));
        expect(CoreEventBatch.parse(result.data)).toEqual(result.data);
      }),
      { numRuns: 200 },
    );
  });

  it('answers a valid batch with any one field made hostile, and never lets unsafe values through', () => {
    fc.assert(
      fc.property(
        fc.array(validEvent, { minLength: 1, maxLength: 3 }),
        fc.nat(),
        hostileValue,
        (events, pick, value) => {
          const body = { events };
          const all = paths(body);
          const target = all[pick % all.length]!;
          const mutated = replaceAt(body, target, value);
          const result = CoreEventBatch.safeParse(mutated);
          expect(({} as Record<string, unknown>).polluted).toBeUndefined();
          if (!result.success) {
            // A refusal names where: the contract's 400 lists each bad field by path.
            for (const issue of result.error.issues) expect(Array.isArray(issue.path)).toBe(true);
            return;
          }
          for (const e of result.data.events) {
            if (e.type === 'status_page.upserted') {
              for (const h of e.data.hostnames) expect(isValidHostname(h)).toBe(true);
              if (e.data.supportUrl) expect(e.data.supportUrl).toMatch(/^https?:\/\//);
            }
            if ('name' in e.data) expect(e.data.name.trim().length).toBeGreaterThan(0);
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('refuses more than 500 events or none at all', () => {
    fc.assert(
      fc.property(fc.constantFrom(0, 501, 600), validEvent, (n, e) => {
        expect(CoreEventBatch.safeParse({ events: Array(n).fill(e) }).success).toBe(false);
      }),
      { numRuns: 10 },
    );
  });
});

describe('links and hostnames', () => {
  it('never accepts a link that is not http(s), whatever follows the scheme', () => {
    const scheme = fc.constantFrom('javascript', 'JaVaScRiPt', 'data', 'vbscript', 'file', 'blob');
    fc.assert(
      fc.property(scheme, fc.constantFrom(':', ' :', ':\t'), hostileText(60), (s, sep, rest) => {
        expect(HttpUrl.safeParse(`${s}${sep}${rest}`).success).toBe(false);
        expect(HttpUrl.safeParse(` ${s}:${rest}`).success).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('normalises every accepted hostname to a valid DNS name', () => {
    fc.assert(
      fc.property(fc.oneof(fc.domain(), hostileText(60), fc.string()), (raw) => {
        const result = Hostname.safeParse(raw);
        if (result.success) expect(isValidHostname(result.data)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
