// Which journal files exist, which a restart must replay, and when to compact: decisions
// only, no I/O. The journal is a numbered series of append-only segments plus one snapshot
// that covers every record of the segments up to and including its `lastSegment`.

const SEGMENT = /^journal-(\d{12})\.log$/;

export const SNAPSHOT_FILE = 'snapshot.bin';
export const SNAPSHOT_TMP_FILE = 'snapshot.bin.tmp';

export function segmentName(n: number): string {
  return `journal-${String(n).padStart(12, '0')}.log`;
}

export function parseSegmentName(name: string): number | null {
  const m = SEGMENT.exec(name);
  return m ? Number(m[1]) : null;
}

export interface ReplayPlan {
  /** Segments newer than the snapshot, oldest first: replayed in this order. */
  replay: number[];
  /** Segments the snapshot already covers (a compaction that crashed before deleting them). */
  obsolete: number[];
  /** The segment new records go to: never one that may end in a torn record. */
  next: number;
}

export function planReplay(fileNames: readonly string[], snapshotLastSegment: number): ReplayPlan {
  const numbers = fileNames
    .map(parseSegmentName)
    .filter((n): n is number => n !== null)
    .sort((a, b) => a - b);
  const replay = numbers.filter((n) => n > snapshotLastSegment);
  const obsolete = numbers.filter((n) => n <= snapshotLastSegment);
  const newest = Math.max(snapshotLastSegment, ...numbers, 0);
  return { replay, obsolete, next: newest + 1 };
}

export interface CompactionPolicy {
  /** Compact once this many bytes were journaled since the last snapshot. */
  maxBytesSinceSnapshot: number;
}

export const DEFAULT_COMPACTION: CompactionPolicy = { maxBytesSinceSnapshot: 64 * 1024 * 1024 };

export function shouldCompact(bytesSinceSnapshot: number, policy: CompactionPolicy): boolean {
  return bytesSinceSnapshot >= policy.maxBytesSinceSnapshot;
}
