// The certificate updater's state in origin-sync's database: a certificates.json an older
// release left is imported once, exactly, and moved aside; the state survives restarts; a
// failed commit loses no change.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type HostnameState,
  newHostnameState,
} from '../../../origin-sync/certificates/hostname-state.ts';
import {
  CertificateStore,
  createCertificateExtension,
  type PageDomains,
} from '../../../origin-sync/certificates/index.ts';
import { importCertificatesJson } from '../../../origin-sync/certificates/json-import.ts';
import type { ExtensionStorage } from '../../../origin-sync/extensions.ts';
import { postCoreEvents } from '../../../scripts/lib/core-client.ts';
import { pageEvent } from '../../support/events.ts';
import {
  AS_OPERATOR,
  type FakeEdgeRig,
  fakeEdgeRig,
  TEST_SECRET,
} from '../../support/origin-sync-in-process.ts';
import { keepLogs, type LogEntry, storageIn, tempDir } from './support.ts';

const T = Date.parse('2026-11-30T12:00:00Z');

/** A record as the updater leaves it once a certificate is active. */
function activeRecord(hostname: string, pageId: string, id: string): HostnameState {
  return {
    ...newHostnameState(hostname, pageId, T, true, 'evt_legacy'),
    phase: 'active',
    customHostnameId: id,
    hostnameStatus: 'active',
    certificateStatus: 'active',
    validationRecords: [{ type: 'txt', purpose: 'ownership', name: `_cf.${hostname}`, value: 'v' }],
    polls: 4,
    nextAttemptAt: T + 3_600_000,
  };
}

/** What the last release's state file held (format 1). */
function legacyFile(): {
  format: 1;
  pages: Record<string, { version?: number; hostnames: string[] }>;
  hostnames: Record<string, HostnameState>;
} {
  const removing: HostnameState = {
    ...activeRecord('old.two.com', 'page_two', 'ch_old'),
    desired: 'absent',
    phase: 'removing',
    lastError: { at: new Date(T).toISOString(), message: 'HTTP 503 from Cloudflare' },
    failures: 2,
  };
  return {
    format: 1,
    pages: {
      page_one: { version: 7, hostnames: ['a.one.com', 'b.one.com'] },
      page_two: { hostnames: [] },
    },
    hostnames: {
      'a.one.com': activeRecord('a.one.com', 'page_one', 'ch_a'),
      'b.one.com': { ...newHostnameState('b.one.com', 'page_one', T, true, undefined) },
      'old.two.com': removing,
    },
  };
}

describe('importing certificates.json', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let storage: ExtensionStorage;
  const logs: LogEntry[] = [];
  const log = keepLogs(logs);
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    storage = storageIn(dir);
    logs.length = 0;
  });
  afterEach(() => cleanup());

  const file = () => join(dir, 'certificates.json');
  const loaded = () => new CertificateStore(storage).load();

  it('puts every page and hostname into the database as it was, and moves the file aside', async () => {
    const legacy = legacyFile();
    await writeFile(file(), JSON.stringify(legacy));
    expect(await importCertificatesJson(dir, new CertificateStore(storage), log)).toEqual({
      pages: 2,
      hostnames: 3,
    });
    const state = loaded();
    expect(Object.fromEntries(state.pages)).toEqual(legacy.pages);
    expect(Object.fromEntries(state.records)).toEqual(legacy.hostnames);
    expect((await readdir(dir)).filter((f) => f.startsWith('certificates.json'))).toEqual([
      'certificates.json.imported',
    ]);
    expect(JSON.parse(await readFile(`${file()}.imported`, 'utf8'))).toEqual(legacy);
  });

  it('never imports twice: a file still there after a crash is only moved aside', async () => {
    await writeFile(file(), JSON.stringify(legacyFile()));
    const store = new CertificateStore(storage);
    await importCertificatesJson(dir, store, log);
    // The state moves on in the database...
    const state = store.load();
    state.records.delete('old.two.com');
    state.pages.set('page_one', { version: 8, hostnames: ['a.one.com'] });
    state.records.delete('b.one.com');
    await store.save(state);
    // ...and a crash before the rename had left the old file in place.
    await writeFile(file(), JSON.stringify(legacyFile()));
    expect(await importCertificatesJson(dir, new CertificateStore(storage), log)).toBeNull();
    expect([...loaded().records.keys()]).toEqual(['a.one.com']);
    expect(loaded().pages.get('page_one')).toEqual({ version: 8, hostnames: ['a.one.com'] });
    expect(await readdir(dir)).not.toContain('certificates.json');
  });

  it('sets an unreadable file aside and starts empty, saying so', async () => {
    await writeFile(file(), '{"format":1,"pages":');
    expect(await importCertificatesJson(dir, new CertificateStore(storage), log)).toBeNull();
    expect(logs.some((l) => l.level === 'error' && l.msg.includes('unreadable'))).toBe(true);
    const kept = (await readdir(dir)).find((f) => f.startsWith('certificates.json.unreadable-'));
    expect(await readFile(join(dir, kept!), 'utf8')).toBe('{"format":1,"pages":');
    expect(loaded().records.size).toBe(0);
  });

  it('refuses to put a file over state the database already has without having imported it', async () => {
    const store = new CertificateStore(storage);
    await store.save({
      pages: new Map([['page_new', { hostnames: ['new.com'] }]]),
      records: new Map([['new.com', newHostnameState('new.com', 'page_new', T, true, undefined)]]),
    });
    await writeFile(file(), JSON.stringify(legacyFile()));
    await expect(importCertificatesJson(dir, store, log)).rejects.toThrow(/move the file aside/);
    expect([...loaded().records.keys()]).toEqual(['new.com']);
  });
});

describe('loading', () => {
  it('leaves out a row that does not parse, saying so, and keeps the rest', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const storage = storageIn(dir);
      await new CertificateStore(storage).save({
        pages: new Map([['p', { hostnames: ['good.com'] }]]),
        records: new Map([['good.com', newHostnameState('good.com', 'p', T, true, undefined)]]),
      });
      storage.db
        .prepare('INSERT INTO certificate_hostnames (hostname, state) VALUES (?, ?)')
        .run('bad.com', '{"hostname":"bad.com","phase":"sideways"}');
      const logs: LogEntry[] = [];
      const state = new CertificateStore(storage, keepLogs(logs)).load();
      expect([...state.records.keys()]).toEqual(['good.com']);
      expect(logs).toContainEqual(
        expect.objectContaining({
          level: 'error',
          key: 'bad.com',
          msg: expect.stringContaining('unreadable'),
        }),
      );
    } finally {
      await cleanup();
    }
  });
});

describe('saving', () => {
  it('writes every row again after a commit that failed, so no change is lost', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const real = storageIn(dir);
      let failNext = false;
      const flaky: ExtensionStorage = {
        db: real.db,
        commit: (work) =>
          real.commit(() => {
            const value = work();
            if (failNext) {
              failNext = false;
              throw new Error('disk full (simulated)');
            }
            return value;
          }),
      };
      const store = new CertificateStore(flaky);
      const state = store.load();
      state.pages.set('p', { hostnames: ['x.com'] });
      state.records.set('x.com', newHostnameState('x.com', 'p', T, true, undefined));
      await store.save(state);
      // This change's commit is rolled back (its savepoint undone)...
      state.records.get('x.com')!.phase = 'pending';
      failNext = true;
      await expect(store.save(state)).rejects.toThrow('disk full');
      expect(new CertificateStore(real).load().records.get('x.com')?.phase).toBe('provisioning');
      // ...and the next save, of an unrelated change, writes it too.
      state.pages.set('q', { hostnames: [] });
      await store.save(state);
      const after = new CertificateStore(real).load();
      expect(after.records.get('x.com')?.phase).toBe('pending');
      expect(after.pages.has('q')).toBe(true);
    } finally {
      await cleanup();
    }
  });

  it('folds saves asked for before a commit runs into one write of the latest state', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const real = storageIn(dir);
      let commits = 0;
      const store = new CertificateStore({
        db: real.db,
        commit: (work) => {
          commits++;
          return real.commit(work);
        },
      });
      const state = store.load();
      const saves = [];
      for (let i = 1; i <= 20; i++) {
        state.pages.set('p', { version: i, hostnames: [] });
        saves.push(store.save(state));
      }
      await Promise.all(saves);
      expect(commits).toBe(1);
      expect(new CertificateStore(real).load().pages.get('p')?.version).toBe(20);
    } finally {
      await cleanup();
    }
  });
});

describe('through origin-sync', () => {
  let rig: FakeEdgeRig;
  beforeEach(async () => {
    rig = await fakeEdgeRig();
  });
  afterEach(() => rig.close());

  const certificates = () =>
    createCertificateExtension({
      config: { enabled: false, reason: 'not set' },
      stateDir: rig.dir,
    });

  async function domainsOf(url: string, pageId: string): Promise<PageDomains['domains']> {
    const res = await fetch(`${url}/v1/pages/${pageId}/domains`, AS_OPERATOR);
    expect(res.status).toBe(200);
    return ((await res.json()) as PageDomains).domains;
  }

  it('imports the file on the first start and keeps the state over restarts', async () => {
    // An older release ran: it knew page_one in its catalogue and its certificates' file.
    const before = await rig.start();
    const sent = await postCoreEvents({ url: before.url, secret: TEST_SECRET }, [
      pageEvent({ id: 'page_one', hostnames: ['a.one.com', 'b.one.com'] }, 7),
    ]);
    expect(sent.status).toBe(202);
    await before.stop();
    await writeFile(join(rig.dir, 'certificates.json'), JSON.stringify(legacyFile()));

    const first = await rig.start({ extensions: [certificates()] });
    const imported = await domainsOf(first.url, 'page_one');
    // The custom hostname id came from the file: a record made afresh would have none.
    expect(imported.map((d) => [d.hostname, d.customHostnameId])).toEqual([
      ['a.one.com', 'ch_a'],
      ['b.one.com', null],
    ]);
    expect(await readdir(rig.dir)).toContain('certificates.json.imported');
    // A change after the import is kept too.
    await postCoreEvents({ url: first.url, secret: TEST_SECRET }, [
      pageEvent({ id: 'page_one', hostnames: ['a.one.com', 'c.one.com'] }, 8),
    ]);
    await expect
      .poll(async () => (await domainsOf(first.url, 'page_one')).map((d) => d.hostname))
      .toEqual(['a.one.com', 'c.one.com']);
    await first.stop();

    const second = await rig.start({ extensions: [certificates()] });
    const kept = await domainsOf(second.url, 'page_one');
    expect(kept.map((d) => [d.hostname, d.customHostnameId])).toEqual([
      ['a.one.com', 'ch_a'],
      ['c.one.com', null],
    ]);
    expect(await readdir(rig.dir)).not.toContain('certificates.json');
    await second.stop();
  });
});
