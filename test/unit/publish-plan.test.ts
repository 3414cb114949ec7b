import { describe, expect, it } from 'vitest';
import {
  type DesiredDocument,
  hostRecordOf,
  planDocuments,
  planHosts,
} from '../../worker/coordinator/publish-plan.ts';
import type { StatusPage } from '../../worker/domain/schema.ts';

const doc = (key: string, etag: string): DesiredDocument => ({
  key,
  variant: 'public',
  path: key,
  contentType: 'text/html',
  render: () => key,
  etag,
});

const page = (
  hostnames: string[],
  visibility: StatusPage['visibility'] = 'public',
): StatusPage => ({
  id: 'p1',
  name: 'P',
  hostnames,
  visibility,
  serviceIds: [],
});

describe('planDocuments', () => {
  it('writes new and changed documents only, and deletes those no longer produced', () => {
    const written = new Map([
      ['a', '"1"'],
      ['b', '"2"'],
      ['gone', '"3"'],
    ]);
    const plan = planDocuments([doc('a', '"1"'), doc('b', '"9"'), doc('c', '"4"')], written);
    expect(plan.put.map((d) => d.key)).toEqual(['b', 'c']);
    expect(plan.remove).toEqual(['gone']);
  });
});

describe('planHosts', () => {
  it('adds new hostnames, removes old ones and leaves unchanged records alone', () => {
    const record = JSON.stringify(hostRecordOf(page(['a.example', 'b.example'])));
    const written = new Map([
      ['a.example', record],
      ['old.example', record],
    ]);
    const plan = planHosts(page(['a.example', 'b.example']), written);
    expect(plan.put.map(([h]) => h)).toEqual(['b.example']);
    expect(plan.remove).toEqual(['old.example']);
  });

  it('rewrites a record whose content changed (visibility, audiences)', () => {
    const written = new Map([['a.example', JSON.stringify(hostRecordOf(page(['a.example'])))]]);
    const plan = planHosts(page(['a.example'], 'private'), written);
    expect(plan.put).toEqual([
      ['a.example', JSON.stringify({ pageId: 'p1', visibility: 'private' })],
    ]);
  });

  it('rewrites every record when asked (takeover re-check), still removing old ones', () => {
    const record = JSON.stringify(hostRecordOf(page(['a.example'])));
    const written = new Map([
      ['a.example', record],
      ['old.example', record],
    ]);
    expect(planHosts(page(['a.example']), written, true)).toEqual({
      put: [['a.example', record]],
      remove: ['old.example'],
    });
  });

  it("records the page's www redirect on the hostname that redirects, and only there", () => {
    const www = { ...page(['acme.example', 'www.acme.example']), wwwRedirect: 'to_apex' as const };
    const plan = new Map(planHosts(www, new Map()).put);
    expect(JSON.parse(plan.get('www.acme.example')!)).toEqual({
      pageId: 'p1',
      visibility: 'public',
      redirectTo: 'acme.example',
    });
    expect(JSON.parse(plan.get('acme.example')!)).toEqual({ pageId: 'p1', visibility: 'public' });
  });

  it('removes every hostname of a deleted page', () => {
    const written = new Map([
      ['a.example', '{}'],
      ['b.example', '{}'],
    ]);
    expect(planHosts(null, written)).toEqual({ put: [], remove: ['a.example', 'b.example'] });
  });
});
