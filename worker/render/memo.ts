// What a page's coordinator keeps in memory between renders of its page, keyed by content
// (never by object identity: every render reads a fresh snapshot from SQLite). During an
// incident a page is rendered again and again with most of it unchanged; these let a render
// reuse the pieces whose inputs are the same strings as last time. Bounded: a memo that is
// full starts over. Pure caches: a hit returns exactly what computing it would.

const memos: ContentMemo<unknown>[] = [];

export class ContentMemo<V> {
  private readonly entries = new Map<string, V>();
  private readonly limit: number;

  constructor(limit: number) {
    this.limit = limit;
    memos.push(this as ContentMemo<unknown>);
  }

  get(key: string, make: () => V): V {
    let value = this.entries.get(key);
    if (value === undefined) {
      value = make();
      if (this.entries.size >= this.limit) this.entries.clear();
      this.entries.set(key, value);
    }
    return value;
  }

  /** Replaces what `key` holds (a kept value found out of date by its owner). */
  set(key: string, value: V): void {
    if (this.entries.size >= this.limit && !this.entries.has(key)) this.entries.clear();
    this.entries.set(key, value);
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}

/** Benchmarks and tests: what a render costs in a fresh isolate. */
export function forgetRenderMemos(): void {
  for (const memo of memos) memo.clear();
}
