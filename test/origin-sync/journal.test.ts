import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Journal } from '../../origin-sync/journal/journal.ts';

const enc = new TextEncoder();
const dec = new TextDecoder();

/** A journal over a list of strings: the simplest state that shows what was replayed. */
async function openLog(dir: string, maxBytesSinceSnapshot = 1 << 30) {
  const state: string[] = [];
  const journal = await Journal.open({
    dir,
    compaction: { maxBytesSinceSnapshot },
    restore: (payload) => state.push(...(JSON.parse(dec.decode(payload)) as string[])),
    replay: (payload) => state.push(dec.decode(payload)),
    snapshot: () => enc.encode(JSON.stringify(state)),
  });
  const append = (text: string) => journal.append(enc.encode(text), () => state.push(text));
  return { journal, state, append };
}

const dirs: string[] = [];
const tempDir = async () => {
  const dir = await mkdtemp(join(tmpdir(), 'esp-journal-'));
  dirs.push(dir);
  return dir;
};

afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('journal', () => {
  it('shares one fsync among concurrent appends and replays them all after a restart', async () => {
    const dir = await tempDir();
    const { journal, append } = await openLog(dir);
    await Promise.all(Array.from({ length: 200 }, (_, i) => append(`r${i}`)));
    const { fsyncs, records } = journal.stats();
    expect(records).toBe(200);
    expect(fsyncs).toBeLessThan(200);
    await journal.close();

    const again = await openLog(dir);
    expect(again.state).toEqual(Array.from({ length: 200 }, (_, i) => `r${i}`));
    await again.journal.close();
  });

  it('applies a record only once it is durable, in log order', async () => {
    const dir = await tempDir();
    const { journal, state, append } = await openLog(dir);
    const pending = append('x');
    expect(state).toEqual([]);
    await pending;
    expect(state).toEqual(['x']);
    await journal.close();
  });

  it('cuts off a torn tail left by a crash and keeps appending after the intact records', async () => {
    const dir = await tempDir();
    const first = await openLog(dir);
    await first.append('one');
    await first.append('two');
    // Simulate a crash in the middle of writing a third record: no close, half a frame.
    const segment = (await readdir(dir)).find((f) => f.endsWith('.log')) as string;
    const bytes = await readFile(join(dir, segment));
    const torn = new Uint8Array([...bytes, 9, 0, 0, 0, 1, 2]);
    await writeFile(join(dir, segment), torn);

    const second = await openLog(dir);
    expect(second.state).toEqual(['one', 'two']);
    expect((await stat(join(dir, segment))).size).toBe(bytes.length);
    await second.append('three');
    await second.journal.close();
    expect((await openLog(dir)).state).toEqual(['one', 'two', 'three']);
  });

  it('compacts into a snapshot, deletes covered segments, and restores snapshot + newer records', async () => {
    const dir = await tempDir();
    const { journal, append } = await openLog(dir, 200);
    for (let i = 0; i < 50; i++) await append(`record-${i}`);
    await journal.close();
    const files = await readdir(dir);
    expect(files).toContain('snapshot.bin');
    expect(files.filter((f) => f.endsWith('.log')).length).toBeLessThanOrEqual(2);

    const again = await openLog(dir, 200);
    expect(again.state).toEqual(Array.from({ length: 50 }, (_, i) => `record-${i}`));
    await again.append('after');
    await again.journal.close({ snapshot: true });
    const last = await openLog(dir);
    expect(last.state.at(-1)).toBe('after');
    expect(last.state).toHaveLength(51);
    expect(last.journal.stats().replayedRecords).toBe(0);
  });

  it('lets one journal at a time use a directory, and takes over a crashed owner lock', async () => {
    const dir = await tempDir();
    // The first owner never closes: it "crashes" below.
    await openLog(dir);
    await expect(openLog(dir)).resolves.toBeDefined(); // its own pid: a reopen in-process
    await writeFile(join(dir, 'LOCK'), '1'); // pid 1 (init) is alive: someone else's
    await expect(openLog(dir)).rejects.toThrow(/in use by another origin-sync \(pid 1\)/);
    await writeFile(join(dir, 'LOCK'), '999999999'); // no such process: a crash left it
    const again = await openLog(dir);
    expect(await readFile(join(dir, 'LOCK'), 'utf8')).toBe(String(process.pid));
    await again.journal.close();
    expect(await readdir(dir)).not.toContain('LOCK');
  });

  it('refuses to start on a damaged snapshot rather than silently lose events', async () => {
    const dir = await tempDir();
    const { journal, append } = await openLog(dir);
    await append('a');
    await journal.close({ snapshot: true });
    const path = join(dir, 'snapshot.bin');
    const bytes = await readFile(path);
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 0xff;
    await writeFile(path, bytes);
    await expect(openLog(dir)).rejects.toThrow(/damaged/);
  });
});
