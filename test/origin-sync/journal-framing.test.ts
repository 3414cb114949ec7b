import { describe, expect, it } from 'vitest';
import { crc32, crc32Portable } from '../../origin-sync/journal/crc32.ts';
import { decodeRecords, encodeRecord, HEADER_BYTES } from '../../origin-sync/journal/framing.ts';
import { planReplay, segmentName, shouldCompact } from '../../origin-sync/journal/segments.ts';

const enc = new TextEncoder();
const dec = new TextDecoder();
const records = ['{"a":1}', '{"b":"two"}', '{"c":[3,3,3]}'].map((s) => enc.encode(s));

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

describe('journal record framing', () => {
  it('computes the standard CRC-32', () => {
    expect(crc32(enc.encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
    const bytes = enc.encode('The quick brown fox jumps over the lazy dog');
    expect(crc32Portable(bytes)).toBe(0x414fa339);
    expect(crc32(bytes, 4, 9)).toBe(crc32Portable(bytes, 4, 9));
  });

  it('reads back every record written', () => {
    const file = concat(records.map(encodeRecord));
    const out = decodeRecords(file);
    expect(out.payloads.map((p) => dec.decode(p))).toEqual(records.map((r) => dec.decode(r)));
    expect(out.validBytes).toBe(file.length);
    expect(out.tornBytes).toBe(0);
  });

  it('drops a torn last record wherever the crash cut it, keeping every record before', () => {
    const whole = records.map(encodeRecord);
    const intact = concat(whole.slice(0, 2));
    const last = whole[2] as Uint8Array;
    for (let cut = 1; cut < last.length; cut++) {
      const file = concat([intact, last.subarray(0, cut)]);
      const out = decodeRecords(file);
      expect(out.payloads, `cut at ${cut}`).toHaveLength(2);
      expect(out.validBytes).toBe(intact.length);
      expect(out.tornBytes).toBe(cut);
    }
  });

  it('stops at a record whose bytes changed, and never reads a zero-filled tail as records', () => {
    const file = concat(records.map(encodeRecord));
    const flipped = file.slice();
    const second = encodeRecord(records[0] as Uint8Array).length + HEADER_BYTES + 2;
    flipped[second] = (flipped[second] as number) ^ 0xff;
    expect(decodeRecords(flipped).payloads).toHaveLength(1);

    const zeros = concat([file, new Uint8Array(4096)]);
    const out = decodeRecords(zeros);
    expect(out.payloads).toHaveLength(3);
    expect(out.tornBytes).toBe(4096);
  });

  it('refuses to frame an empty record', () => {
    expect(() => encodeRecord(new Uint8Array(0))).toThrow();
  });
});

describe('journal segments and compaction decisions', () => {
  it('replays the segments after the snapshot in order and appends to a fresh one', () => {
    const files = [5, 3, 4, 1].map(segmentName).concat(['snapshot.bin', 'README']);
    expect(planReplay(files, 3)).toEqual({ replay: [4, 5], obsolete: [1, 3], next: 6 });
    expect(planReplay(files, 0)).toEqual({ replay: [1, 3, 4, 5], obsolete: [], next: 6 });
    expect(planReplay([], 0)).toEqual({ replay: [], obsolete: [], next: 1 });
    expect(planReplay([], 7)).toEqual({ replay: [], obsolete: [], next: 8 });
  });

  it('compacts once enough was written since the last snapshot', () => {
    expect(shouldCompact(99, { maxBytesSinceSnapshot: 100 })).toBe(false);
    expect(shouldCompact(100, { maxBytesSinceSnapshot: 100 })).toBe(true);
  });
});
