// What bounds origin-sync's memory and start (docs/origin-sync-storage.md, Retention and
// memory): SQLite's memory is set at open, not left to build defaults; reconciling every page's
// hostnames at start is linear in pages, not quadratic; the process is started with V8's heap
// flag and glibc's malloc settings, and says so when it was not.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type DesiredState, reconcilePages } from '../../origin-sync/certificates/desired-state.ts';
import {
  type HostnameState,
  newHostnameState,
} from '../../origin-sync/certificates/hostname-state.ts';
import { MEMORY_ENV, memoryBoundsMissing } from '../../origin-sync/config.ts';
import { DEFAULT_CACHE_BYTES, openDatabase } from '../../origin-sync/store/database.ts';
import { startSystem } from '../../scripts/lib/system.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function pragma(db: ReturnType<typeof openDatabase>, name: string): number {
  return Number(Object.values(db.prepare(`PRAGMA ${name}`).get() ?? {})[0]);
}

describe('memory bounds', () => {
  it('opens the database with the configured page cache, no memory map and a soft heap limit', () => {
    const dir = mkdtempSync(join(tmpdir(), 'esp-bounds-'));
    dirs.push(dir);
    const db = openDatabase(dir, { cacheBytes: 8 * 1024 * 1024 });
    expect(pragma(db, 'cache_size')).toBe(-8192);
    expect(pragma(db, 'mmap_size')).toBe(0);
    expect(pragma(db, 'soft_heap_limit')).toBeGreaterThan(8 * 1024 * 1024);
    db.close();
    const byDefault = openDatabase(dir);
    expect(pragma(byDefault, 'cache_size')).toBe(-DEFAULT_CACHE_BYTES / 1024);
    byDefault.close();
  });

  it('reconciles every page at start looking through the records a fixed number of times', () => {
    const now = Date.parse('2026-12-01T00:00:00Z');
    // Counts the walks through all records: one per page was the quadratic start.
    let walks = 0;
    class CountingMap extends Map<string, HostnameState> {
      override values(): MapIterator<HostnameState> {
        walks++;
        return super.values();
      }
    }
    const state: DesiredState = { pages: new Map(), records: new CountingMap() };
    const pages = Array.from({ length: 2_000 }, (_, i) => ({
      id: `p${i}`,
      hostnames: [`p${i}.example.com`],
    }));
    for (const p of pages) {
      state.pages.set(p.id, { hostnames: p.hostnames });
      state.records.set(
        p.hostnames[0] as string,
        newHostnameState(p.hostnames[0] as string, p.id, now, false, undefined),
      );
    }
    // Page p0 lost its hostname, p1 took p2's: the same outcomes as a walk per page gave.
    pages[0] = { id: 'p0', hostnames: [] };
    pages[1] = { id: 'p1', hostnames: ['p1.example.com', 'p2.example.com'] };
    pages[2] = { id: 'p2', hostnames: [] };
    const ctx = { now, enabled: false, removalGraceMs: 60_000 };
    const out = reconcilePages(state, pages, ctx);
    expect(walks).toBeLessThanOrEqual(3);
    expect(state.records.has('p0.example.com')).toBe(false);
    expect(state.records.get('p2.example.com')?.pageId).toBe('p1');
    expect(out.steps.map(([r, s]) => [r.hostname, s.action])).toEqual([
      ['p0.example.com', 'deleted'],
      ['p2.example.com', 'moved'],
    ]);
  });
});

describe('process memory bounds', () => {
  it('names every setting a start lacks, and none when it has them', () => {
    expect(memoryBoundsMissing({}, ['--no-warnings'])).toEqual([
      'MALLOC_ARENA_MAX=2',
      'MALLOC_MMAP_THRESHOLD_=131072',
      'MALLOC_TRIM_THRESHOLD_=1048576',
      '--max-old-space-size=1536',
    ]);
    const chosen = { ...MEMORY_ENV, MALLOC_ARENA_MAX: '4' };
    expect(memoryBoundsMissing(chosen, ['--max-old-space-size=2048'])).toEqual([]);
  });

  it('starts origin-sync with them, and it does not warn about them', async () => {
    const lines: string[] = [];
    const system = await startSystem({
      worker: false,
      originSync: { workerUrl: 'http://127.0.0.1:9', onLog: (line) => lines.push(line) },
    });
    try {
      const pid = system.originSync.child.pid;
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      expect(cmdline).toContain('--max-old-space-size=1536');
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      expect(environ).toContain('MALLOC_ARENA_MAX=2');
      expect(environ).toContain('MALLOC_MMAP_THRESHOLD_=131072');
      expect(lines.some((l) => l.includes('memory bounds'))).toBe(false);
    } finally {
      await system.stop();
    }
  }, 60_000);
});
