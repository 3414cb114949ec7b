// A core batch's hostname steps, as origin-sync asks the edge about them (issue 12).
import { describe, expect, it } from 'vitest';
import { hostnameOps } from '../../origin-sync/hostname-claims.ts';
import { pageDeleted, pageEvent } from '../support/events.ts';

describe('hostnameOps', () => {
  it('releases what an upsert drops before the claims of later events of the batch', () => {
    const known = (id: string) => (id === 'a' ? ['x.example', 'y.example'] : null);
    const ops = hostnameOps(
      [
        pageEvent({ id: 'a', hostnames: ['y.example'] }, 2),
        pageEvent({ id: 'b', hostnames: ['x.example'] }, 1),
        pageDeleted('a', 3),
      ],
      known,
    );
    expect(ops.map(({ op, hostname, pageId, path }) => [op, hostname, pageId, path])).toEqual([
      ['release', 'x.example', 'a', '/events/0/data/id'],
      ['claim', 'y.example', 'a', '/events/0/data/hostnames/0'],
      ['claim', 'x.example', 'b', '/events/1/data/hostnames/0'],
      ['release', 'y.example', 'a', '/events/2/data/id'],
    ]);
  });

  it('has no steps for a batch without page events', () => {
    expect(hostnameOps([], () => null)).toEqual([]);
  });
});
