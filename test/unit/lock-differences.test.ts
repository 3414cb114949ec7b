import { describe, expect, it } from 'vitest';
import { lockDifferences } from '../../scripts/lib/lock-differences.mjs';

const committed = {
  packages: {
    '': { name: 'app', dependencies: { wrangler: '^4.0.0' } },
    'node_modules/wrangler': { version: '4.164.0' },
    'node_modules/workerd': {
      version: '1.2.3',
      optionalDependencies: {
        '@cloudflare/workerd-linux-64': '1.2.3',
        '@cloudflare/workerd-darwin-64': '1.2.3',
      },
    },
    'node_modules/@cloudflare/workerd-linux-64': {
      version: '1.2.3',
      optional: true,
      os: ['linux'],
      cpu: ['x64'],
    },
  },
};

function withPackages(extra: Record<string, Record<string, unknown>>) {
  return { packages: { ...committed.packages, ...extra } };
}

describe('CI install: what a rewritten lockfile may add', () => {
  it('tolerates an optional binary for another platform that the registry started serving', () => {
    const after = withPackages({
      'node_modules/@cloudflare/workerd-darwin-64': {
        version: '1.2.3',
        optional: true,
        os: ['darwin'],
        cpu: ['x64'],
      },
    });
    expect(lockDifferences(committed, after, 'linux', 'x64')).toEqual({
      tolerated: ['added node_modules/@cloudflare/workerd-darwin-64@1.2.3'],
      other: [],
    });
  });

  it('refuses an added optional binary that this platform would install', () => {
    const after = withPackages({
      'node_modules/@esbuild/linux-x64': {
        version: '0.28.2',
        optional: true,
        os: ['linux'],
        cpu: ['x64'],
      },
    });
    expect(lockDifferences(committed, after, 'linux', 'x64').other).toEqual([
      'added node_modules/@esbuild/linux-x64@0.28.2',
    ]);
  });

  it('refuses a dependency added to package.json without the lockfile', () => {
    const after = withPackages({
      '': { name: 'app', dependencies: { wrangler: '^4.0.0', 'is-number': '^7.0.0' } },
      'node_modules/is-number': { version: '7.0.0' },
    });
    expect(lockDifferences(committed, after, 'linux', 'x64')).toEqual({
      tolerated: [],
      other: ['changed the root package', 'added node_modules/is-number@7.0.0'],
    });
  });

  it('refuses a version that moved and an entry that went away', () => {
    const { 'node_modules/workerd': _gone, ...rest } = committed.packages;
    const after = { packages: { ...rest, 'node_modules/wrangler': { version: '4.165.0' } } };
    expect(lockDifferences(committed, after, 'linux', 'x64').other).toEqual([
      'changed node_modules/wrangler',
      'removed node_modules/workerd',
    ]);
  });

  it('reads negated os lists as npm does', () => {
    const after = withPackages({
      'node_modules/fsevents-like': { version: '1.0.0', optional: true, os: ['!linux'] },
    });
    expect(lockDifferences(committed, after, 'linux', 'x64').tolerated).toHaveLength(1);
    expect(lockDifferences(committed, after, 'darwin', 'arm64').other).toHaveLength(1);
  });
});
