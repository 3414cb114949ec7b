// The ETag of a rendered document must change whenever its bytes change (visitors would keep
// a stale page after a 304, and the coordinator would skip the write) and stay put otherwise.
// It is a fingerprint of what the document reads and of the renderer's build (templates,
// stylesheet, code revision, deployment): see also fingerprint-properties.test.ts.
import { describe, expect, it } from 'vitest';
import { demoEvents } from '../../scripts/lib/demo-events.ts';
import type { PageSnapshot } from '../../worker/domain/snapshot.ts';
import { renderVariant } from '../../worker/render/documents.ts';
import {
  BUILD_PARTS,
  type BuildParts,
  buildId,
  buildIdOf,
  digestHex,
  digestPartsHex,
  joinParts,
} from '../../worker/render/fingerprint.ts';
import { snapshotFromEvents } from '../support/snapshot-from-events.ts';

const now = new Date('2026-11-21T10:00:00Z');
const demo = () => snapshotFromEvents(demoEvents({ now }), 'page_demo');

async function byPath(snapshot: PageSnapshot) {
  return new Map((await renderVariant(snapshot, 'public', now)).map((d) => [d.path, d]));
}

describe('document ETags', () => {
  it('are the same for the same bytes and differ when a document changes', async () => {
    const a = await byPath(demo());
    const b = await byPath(demo());
    for (const [path, doc] of a) expect(b.get(path)!.etag, path).toBe(doc.etag);

    const renamed = demo();
    renamed.incidents = renamed.incidents.map((i) =>
      i.id === 'inc_login' ? { ...i, name: 'Sign-in failures (SSO)' } : i,
    );
    const c = await byPath(renamed);
    expect(c.get('/incidents/inc_login')!.etag).not.toBe(a.get('/incidents/inc_login')!.etag);
    expect(c.get('/history')!.etag).not.toBe(a.get('/history')!.etag);
    expect(c.get('/incidents/inc_api_errors')!.etag).toBe(a.get('/incidents/inc_api_errors')!.etag);
  });

  it('change with the stylesheet alone (another accent colour)', async () => {
    const a = await byPath(demo());
    const recoloured = demo();
    recoloured.page = { ...recoloured.page, branding: { accentColor: '#0b6e4f' } };
    const b = await byPath(recoloured);
    const html = [...a].filter(([, doc]) => doc.contentType.startsWith('text/html'));
    expect(html.length).toBeGreaterThan(3);
    for (const [path, doc] of html) {
      expect(b.get(path)!.body, path).not.toBe(doc.body);
      expect(b.get(path)!.etag, path).not.toBe(doc.etag);
    }
  });

  it('put the stylesheet in its slot even when customer text spells the slot', async () => {
    const plain = (await byPath(demo())).get('/')!;
    const styleSrc = plain.styleSrc!;
    const hostile = demo();
    hostile.page = { ...hostile.page, name: `<style>${styleSrc}</style>` };
    const doc = (await byPath(hostile)).get('/')!;
    const styles = doc.body.match(/<style>[\s\S]*?<\/style>/g) ?? [];
    expect(styles).toHaveLength(1);
    expect(styles[0]).not.toContain(styleSrc);
    expect(styles[0]!.length).toBeGreaterThan(1000);
  });
});

describe('the status page’s tag', () => {
  it('tells a service’s name from its description and from the next row’s', async () => {
    const [first, second] = demo().page.serviceIds;
    const named = (a: [string, string?], b: [string, string?]) => {
      const snapshot = demo();
      snapshot.services = snapshot.services.map((s) => {
        const [name, description] = s.id === first ? a : s.id === second ? b : [s.name];
        if (name === s.name) return s;
        const { description: _, ...rest } = s;
        return description === undefined ? { ...rest, name } : { ...rest, name, description };
      });
      return snapshot;
    };
    // The same characters moved between what rows print apart: each move shows, so each
    // must change the tag.
    const pages = [
      named(['Alpha —', 'Beta'], ['Gamma']),
      named(['Alpha — Beta'], ['Gamma']),
      named(['Alpha', ' — Beta'], ['Gamma']),
      named(['Alpha —'], ['BetaGamma']),
      named(['Alpha — Beta', 'Gamma'], ['x']),
    ];
    const docs = await Promise.all(pages.map(async (p) => (await byPath(p)).get('/')!));
    expect(new Set(docs.map((d) => d.body)).size).toBe(pages.length);
    expect(new Set(docs.map((d) => d.etag)).size).toBe(pages.length);
  });
});

describe('the digest of an ETag’s inputs', () => {
  it('is the digest of their join, whatever their characters and size', async () => {
    const cases: string[][] = [
      [],
      [''],
      ['a', 'b'],
      ['ab', ''],
      ['Service 1 — API', '2026-11-03,1234,0;', 'ünïcödé', '𝔘 surrogate pairs 🚦'],
      // Past the kept scratch buffer, and wide enough to make it grow while encoding.
      ['x'.repeat(70_000), '—'.repeat(40_000), 'a'],
      ['日本語'.repeat(30_000)],
    ];
    for (const parts of cases) {
      expect(await digestPartsHex(parts), parts.join('|').slice(0, 40)).toBe(
        await digestHex(joinParts(parts)),
      );
    }
  });

  it('stays right when digests run at the same time (they share a scratch buffer)', async () => {
    const inputs = Array.from({ length: 8 }, (_, i) => [`page ${i}`, '—'.repeat(i * 1000), 'z']);
    // All started before any is awaited: each must have its own bytes hashed.
    const together = await Promise.all(inputs.map((parts) => digestPartsHex(parts)));
    const apart: string[] = [];
    for (const parts of inputs) apart.push(await digestHex(joinParts(parts)));
    expect(together).toEqual(apart);
    expect(new Set(together).size).toBe(inputs.length);
  });
});

describe('a new build of the renderer', () => {
  it('gives every document a new tag when any template or the stylesheet changes', async () => {
    const current = await buildId();
    expect(current).toBe(await buildIdOf(BUILD_PARTS));
    const a = await byPath(demo());
    const edits: BuildParts[] = [
      ...Object.keys(BUILD_PARTS.templates).map((name) => ({
        ...BUILD_PARTS,
        templates: { ...BUILD_PARTS.templates, [name]: `${BUILD_PARTS.templates[name]} ` },
      })),
      { ...BUILD_PARTS, css: `${BUILD_PARTS.css}.x{}` },
      { ...BUILD_PARTS, revision: BUILD_PARTS.revision + 1 },
      { ...BUILD_PARTS, deployment: 'version-2' },
    ];
    expect(edits.length).toBeGreaterThan(8);
    const builds = new Set([current]);
    for (const parts of edits) {
      const build = await buildIdOf(parts);
      builds.add(build);
      const docs = await renderVariant(demo(), 'public', now, { build });
      for (const doc of docs) expect(doc.etag, doc.path).not.toBe(a.get(doc.path)!.etag);
    }
    expect(builds.size).toBe(edits.length + 1);
  });

  it('builds in the deployment’s version id where the runtime has one', async () => {
    const docs = await renderVariant(demo(), 'public', now, { deployment: 'version-7' });
    const plain = await byPath(demo());
    for (const doc of docs) expect(doc.etag, doc.path).not.toBe(plain.get(doc.path)!.etag);
    expect(await buildId('version-7')).not.toBe(await buildId());
  });
});
