// Ordering by time, one way for every document: the HTML and the machine-readable documents
// (JSON API, feeds) list updates and pick "latest" times with the same rules, so a widget and
// the page never disagree about which update is newest.

/** Newest first; equal times by id, descending, so the order never depends on input order. */
export function byNewest<T extends { createdAt: string; id: string }>(items: readonly T[]): T[] {
  return [...items].sort(
    (a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt) || b.id.localeCompare(a.id),
  );
}

/** The latest of some ISO times, absent ones skipped; the first of equal ones; null if none. */
export function latestOf(isos: Iterable<string | undefined | null>): string | null {
  return extreme(isos, (ms, best) => ms > best);
}

/** The earliest of some ISO times, absent ones skipped; the first of equal ones; null if none. */
export function earliestOf(isos: Iterable<string | undefined | null>): string | null {
  return extreme(isos, (ms, best) => ms < best);
}

function extreme(
  isos: Iterable<string | undefined | null>,
  beats: (ms: number, best: number) => boolean,
): string | null {
  let best: string | null = null;
  let bestMs = 0;
  for (const iso of isos) {
    if (!iso) continue;
    const ms = Date.parse(iso);
    if (best === null || beats(ms, bestMs)) {
      best = iso;
      bestMs = ms;
    }
  }
  return best;
}
