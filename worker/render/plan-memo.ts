// A publish plans from what changed since the last one. Most documents of a big page read only
// part of it (an incident page reads its incident and the names of the services it affects;
// the history and the feeds read the incidents), so after one event most of them read exactly
// what they read last time, and their ETag is the one the last plan worked out. The page's
// coordinator knows which entities every batch changed (coordinator/apply.ts): it keeps them
// here (`ChangeLog`) with the last plan's tags (`PlanMemo`), and documents.ts fingerprints only
// the documents whose inputs may have changed. A page change, a new build, or no memo (the
// first publish, a restarted object) plans every document in full, as before.
//
// The rule: a tag is taken from the memo only when none of the document's inputs can differ
// from the last plan's (test/unit/incremental-plan.test.ts plans random change sequences both
// ways and compares every tag). Documents that read the clock or nearly everything (the status
// page, the JSON API, the badge) are always fingerprinted.
import type { EntityKind } from '../coordinator/apply.ts';

/** What changed in a page's stored entities since the plan a memo holds. */
export interface PageChanges {
  /** The page itself (its settings, hostnames, languages, audiences): plan in full. */
  page: boolean;
  /** Services upserted or deleted. */
  services: ReadonlySet<string>;
  /** Incidents upserted or deleted. */
  incidents: ReadonlySet<string>;
}

/** The changes of the batches applied since the last plan, as the coordinator applies them. */
export class ChangeLog {
  private page = false;
  private services = new Set<string>();
  private incidents = new Set<string>();

  /** One applied change (uptime and maintenance windows are read only by documents that are
   * fingerprinted every time: they need not be told apart). */
  note(change: { kind: EntityKind; id: string }): void {
    if (change.kind === 'page') this.page = true;
    else if (change.kind === 'service') this.services.add(change.id);
    else if (change.kind === 'incident') this.incidents.add(change.id);
  }

  /** Everything noted since the last take, and a clean log. */
  take(): PageChanges {
    const changes = { page: this.page, services: this.services, incidents: this.incidents };
    this.page = false;
    this.services = new Set();
    this.incidents = new Set();
    return changes;
  }
}

/** What one variant's last plan worked out: each document's tag, and the parts reused. */
export interface VariantPlan {
  build: string;
  /** Path → ETag. */
  etags: Map<string, string>;
  /** The digest of the slice's incidents (documents.ts): the JSON API reads it every time. */
  incidentsDigest: string;
}

/** The last plan of each variant of one page (held by its coordinator, in memory). */
export type PlanMemo = Map<string, VariantPlan>;

/** How planVariant plans from the last plan; `prior` null plans in full. */
export interface IncrementalPlan {
  prior: PlanMemo | null;
  changes: PageChanges;
  /** Receives this plan's tags, for the next one. */
  next: PlanMemo;
  /** Counts the documents fingerprinted (the others took their tag from `prior`). */
  stats?: { fingerprinted: number };
}
