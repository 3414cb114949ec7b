// A document's ETag is a fingerprint of what it reads, worked out before rendering (the
// coordinator skips documents whose tag did not change). The rule it must keep: whenever a
// document's bytes change, its tag changes. Random changes of every kind a page sees (core
// events, the clock, an audience's view) are rendered before and after, in full; no document
// may come out with new bytes under its old tag.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PageSnapshot } from '../../worker/domain/snapshot.ts';
import { renderVariant } from '../../worker/render/documents.ts';
import { forgetRenderMemos } from '../../worker/render/memo.ts';
import {
  apply,
  type Change,
  change,
  changeOf,
  clockMoves,
  demo,
  KINDS,
  now,
} from '../support/snapshot-changes.ts';

async function render(snapshot: PageSnapshot, variant: string, at: Date) {
  return new Map((await renderVariant(snapshot, variant, at)).map((d) => [d.path, d]));
}

/** Renders before and after; checks every document that changed bytes changed its tag. */
async function check(
  base: PageSnapshot,
  changes: readonly Change[],
  clock: number,
  warm: boolean,
  variant: string,
  seen: { changed: number; kept: number },
): Promise<void> {
  let after = { snapshot: base, at: new Date(now.getTime() + clock) };
  for (const c of changes) after = apply(after.snapshot, after.at, c);
  const what = [`clock +${clock} ms`, ...changes.map((c) => c.kind)].join(', ');
  // With and without what the isolate remembers from earlier renders.
  if (!warm) forgetRenderMemos();
  const before = await render(base, variant, now);
  if (!warm) forgetRenderMemos();
  const docs = await render(after.snapshot, variant, after.at);
  for (const [path, doc] of docs) {
    const old = before.get(path);
    if (!old) continue;
    if (doc.body !== old.body) {
      seen.changed += 1;
      expect(doc.etag, `${path} after ${what}`).not.toBe(old.etag);
    } else if (doc.etag === old.etag) seen.kept += 1;
  }
  // What the isolate remembers is a pure cache: a fresh isolate renders the same.
  forgetRenderMemos();
  const fresh = await render(after.snapshot, variant, after.at);
  for (const [path, doc] of docs) {
    expect(fresh.get(path)?.body, `${path} from memory after ${what}`).toBe(doc.body);
    expect(fresh.get(path)?.etag, `${path} from memory after ${what}`).toBe(doc.etag);
  }
}

describe('document ETags as fingerprints of their inputs', () => {
  const base = demo();

  it('change whenever the bytes change: each kind of change', async () => {
    const seen = { changed: 0, kept: 0 };
    for (const kind of KINDS) {
      await fc.assert(
        fc.asyncProperty(
          changeOf(fc.constant(kind)),
          // The clock moves between any two renders: not at all, minutes, or days.
          clockMoves,
          fc.boolean(),
          fc.constantFrom('public', 'audience:ops'),
          (c, clock, warm, variant) => check(base, [c], clock, warm, variant, seen),
        ),
        { numRuns: 12 },
      );
    }
    // The property had something to bite on, both ways.
    expect(seen.changed).toBeGreaterThan(100);
    expect(seen.kept).toBeGreaterThan(100);
  });

  it('change whenever the bytes change: several changes at once', async () => {
    const seen = { changed: 0, kept: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.array(change, { minLength: 2, maxLength: 4 }),
        clockMoves,
        fc.boolean(),
        fc.constantFrom('public', 'audience:ops'),
        (changes, clock, warm, variant) => check(base, changes, clock, warm, variant, seen),
      ),
      { numRuns: 100 },
    );
    expect(seen.changed).toBeGreaterThan(50);
  });

  it('stay the same for the same inputs, rendered again later in the same isolate or a new one', async () => {
    const first = await render(demo(), 'public', now);
    forgetRenderMemos();
    const again = await render(demo(), 'public', now);
    for (const [path, doc] of first) {
      expect(again.get(path)!.etag, path).toBe(doc.etag);
      expect(again.get(path)!.body, path).toBe(doc.body);
    }
  });
});
