// First start on a STATE_DIR an older origin-sync left: the certificate updater's
// `certificates.json` becomes rows of the database (state-store.ts) in one commit, marked done
// in `meta` in that same commit, and the file then moves aside to `certificates.json.imported`
// (kept, not deleted, like the journal's import in origin-sync/store/legacy-import.ts). A crash
// between the commit and the move leaves the file in place: the mark says it is already in, so
// the next start only moves it aside and never puts older state over newer.
import { readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { errorMessage, type Logger } from '../log.ts';
import { type DesiredState, PageEntry } from './desired-state.ts';
import { HostnameState } from './hostname-state.ts';
import type { CertificateStore } from './state-store.ts';

const LEGACY_CERTIFICATE_FILE = 'certificates.json';
const IMPORTED_MARK = 'certificates_json_imported';

/** The file's format as the last release wrote it (origin-sync/certificates/state-file.ts). */
const LegacyState = z.object({
  format: z.literal(1),
  pages: z.record(z.string(), PageEntry),
  hostnames: z.record(z.string(), HostnameState),
});

/** Imports `<stateDir>/certificates.json` if there is one; returns what was imported. */
export async function importCertificatesJson(
  stateDir: string,
  store: CertificateStore,
  log: Logger,
): Promise<{ pages: number; hostnames: number } | null> {
  const path = join(stateDir, LEGACY_CERTIFICATE_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new Error(`cannot read ${path}: ${errorMessage(err)}`);
  }
  const { db } = store.storage;
  const mark = db.prepare('SELECT value FROM meta WHERE key = ?');
  if (mark.get(IMPORTED_MARK) !== undefined) {
    await rename(path, `${path}.imported`);
    log.info('certificate state: moved aside a certificates.json imported before', { path });
    return null;
  }
  let parsed: z.infer<typeof LegacyState>;
  try {
    parsed = LegacyState.parse(JSON.parse(text));
  } catch (err) {
    // As the file's own reader did: losing it loses little (pages are reconciled at start and
    // existing custom hostnames are adopted by hostname). Keep the bad file for a human.
    const aside = `${path}.unreadable-${Date.now()}`;
    await rename(path, aside);
    log.error('certificate state unreadable; starting empty', {
      file: path,
      keptAs: aside,
      error: errorMessage(err),
    });
    return null;
  }
  if (!store.isEmpty()) {
    // Only an operator copying an old file back gets here: the database is the truth.
    throw new Error(
      `${path} is there but the database already holds certificate state; move the file aside to start`,
    );
  }
  const state: DesiredState = {
    pages: new Map(Object.entries(parsed.pages)),
    records: new Map(Object.entries(parsed.hostnames)),
  };
  const insertMark = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)');
  await store.save(state, () => insertMark.run(IMPORTED_MARK, new Date().toISOString()));
  await rename(path, `${path}.imported`);
  const counts = { pages: state.pages.size, hostnames: state.records.size };
  log.info('certificate state: imported certificates.json into the database', {
    ...counts,
    keptAs: `${path}.imported`,
  });
  return counts;
}
