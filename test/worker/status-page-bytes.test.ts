// The status page is turned into bytes in pieces (render/html.ts renderStatusPageBytes): the
// shell once, each service row in its pieces or, once it has outlived a render, from its kept
// bytes. What KV gets must be exactly the UTF-8 of the page as rendered whole, hostile and
// non-ASCII names included, and stay so when one row changes and the others come from the memo.
import { describe, expect, it } from 'vitest';
import { syntheticSnapshot, withServiceChange } from '../../bench/lib/synthetic-page.ts';
import { planVariant } from '../../worker/render/documents.ts';
import { forgetRenderMemos } from '../../worker/render/memo.ts';

const decoder = new TextDecoder();

async function statusPage(snapshot: ReturnType<typeof syntheticSnapshot>, now: Date) {
  const doc = (await planVariant(snapshot, 'public', now)).find((d) => d.path === '/')!;
  expect(doc.bytes).toBeDefined();
  return { text: doc.render(), bytes: doc.bytes!() };
}

describe('the status page in pieces', () => {
  it('is byte for byte the page rendered whole, before and after a one-row change', async () => {
    forgetRenderMemos();
    const now = new Date('2026-11-21T12:00:00Z');
    const base = syntheticSnapshot({ services: 40, incidents: 8 }, now);
    const hostile = {
      ...base,
      services: base.services.map((s, i) =>
        i === 3 ? { ...s, name: `<script>x</script> “ünïcødé” — 東京 ${'\u0000'}rows-x:0` } : s,
      ),
    };
    const first = await statusPage(hostile, now);
    expect(first.bytes).toEqual(new TextEncoder().encode(first.text));
    expect(decoder.decode(first.bytes)).toContain('東京');

    const later = new Date(now.getTime() + 60_000);
    const changed = withServiceChange(hostile, 7, later);
    const second = await statusPage(changed, later);
    expect(second.bytes).toEqual(new TextEncoder().encode(second.text));
    expect(second.text).not.toEqual(first.text);

    // From the third page on, unchanged rows are copied from their kept bytes.
    const latest = new Date(later.getTime() + 60_000);
    const third = await statusPage(withServiceChange(changed, 11, latest), latest);
    expect(third.bytes).toEqual(new TextEncoder().encode(third.text));
    expect(third.text).not.toEqual(second.text);
  });

  it('stays exact when the names need more bytes than characters (the buffer grows)', async () => {
    forgetRenderMemos();
    const now = new Date('2026-11-21T12:00:00Z');
    const base = syntheticSnapshot({ services: 30, incidents: 4 }, now);
    // Three bytes a character, and emoji (a surrogate pair, four bytes): far past the guess of
    // about a byte a character, so the page is written across several growths of its buffer.
    const wide = {
      ...base,
      services: base.services.map((s, i) => ({
        ...s,
        name: `${'東京都渋谷区'.repeat(60)} 🚀${i}🛰️ ${'ü'.repeat(i)}`,
      })),
    };
    const page = await statusPage(wide, now);
    expect(page.bytes).toEqual(new TextEncoder().encode(page.text));
    expect(decoder.decode(page.bytes)).toContain('🚀29🛰️');
  });
});
