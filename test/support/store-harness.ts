// The store on a fresh database in a temp directory, for tests of what it decides (fan-out,
// catch-up, outcomes) without HTTP: `admit` commits one event and says where it went.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../origin-sync/store/database.ts';
import type { HostnamesChange } from '../../origin-sync/store/entities.ts';
import type { OutcomeRecord } from '../../origin-sync/store/outcomes.ts';
import { type AcceptResult, Store } from '../../origin-sync/store/store.ts';
import type { CoreEvent } from '../../worker/domain/schema.ts';

export interface Admitted {
  /** Pages the event itself was queued for (not catch-ups it caused). */
  targets: string[];
  /** False when an event at least as new was known (the edge will skip it). */
  newer: boolean;
  /** Events queued as catch-up by this one, per page, in queue order. */
  catchUp: Map<string, string[]>;
  hostnames: HostnamesChange | null;
}

export interface StoreHarness {
  store: Store;
  dir: string;
  accept(events: CoreEvent[], at?: number): AcceptResult;
  admit(event: CoreEvent): Admitted;
  record(record: OutcomeRecord): void;
  /** Closes the database and opens it again (a restart). */
  reopen(): void;
  close(): void;
}

export function storeHarness(): StoreHarness {
  const dir = mkdtempSync(join(tmpdir(), 'esp-store-'));
  const tx = <T>(work: () => T): T => {
    h.store.db.exec('BEGIN IMMEDIATE');
    try {
      const value = work();
      h.store.db.exec('COMMIT');
      return value;
    } catch (err) {
      h.store.db.exec('ROLLBACK');
      throw err;
    }
  };
  const h: StoreHarness = {
    store: new Store(openDatabase(dir)),
    dir,
    accept: (events, at = Date.now()) => tx(() => h.store.accept(events, at - 2, at - 1, at)),
    admit: (event) => {
      const result = h.accept([event]);
      const steps = h.store.trace(event.id)?.steps ?? [];
      const fanned = steps.filter((s) => s.step === 'fanned_out');
      const catchUp = new Map<string, string[]>();
      for (const pageId of result.pages) {
        const ids = h.store
          .peek(pageId, 100_000)
          .map((i) => i.eventId)
          .filter((id) => id !== event.id)
          .filter((id) =>
            h.store
              .trace(id)
              ?.steps.some((s) => s.pageId === pageId && s.detail?.startsWith('catch-up')),
          );
        if (ids.length > 0) catchUp.set(pageId, ids);
      }
      return {
        targets: fanned.flatMap((s) => (s.pageId ? [s.pageId] : [])),
        newer: !fanned.some((s) => s.detail?.includes('at least as new')),
        catchUp,
        hostnames: result.hostnames[0] ?? null,
      };
    },
    record: (record) => tx(() => h.store.record(record)),
    reopen: () => {
      h.store.db.close();
      h.store = new Store(openDatabase(dir));
    },
    close: () => {
      h.store.db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return h;
}
