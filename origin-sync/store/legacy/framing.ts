// How a record of the old journal (before the database) sits on disk: [u32 length][u32 CRC-32
// of the payload][payload], little endian. Read once, by legacy-import.ts; a torn tail (a crash
// mid-write) is detected by its checksum or its length running past the end of the file.
// `encodeRecord` stays so tests can write what an older origin-sync left behind.

import { crc32 } from './crc32.ts';

export const HEADER_BYTES = 8;
/** Far above any real record (a core batch is ≤ 1 MiB): a larger length is damage, not data. */
export const MAX_RECORD_BYTES = 256 * 1024 * 1024;

export function encodeRecord(payload: Uint8Array): Uint8Array {
  if (payload.length === 0) throw new Error('a journal record cannot be empty');
  if (payload.length > MAX_RECORD_BYTES) throw new Error('journal record too large');
  const out = new Uint8Array(HEADER_BYTES + payload.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, payload.length, true);
  view.setUint32(4, crc32(payload), true);
  out.set(payload, HEADER_BYTES);
  return out;
}

export interface DecodedRecords {
  payloads: Uint8Array[];
  /** Bytes from the start that hold whole, intact records: where appending may resume. */
  validBytes: number;
  /** Bytes after them that are not a whole intact record (0 when the file ended cleanly). */
  tornBytes: number;
}

/** Reads records from the start of `bytes` up to the end or the first damaged one. */
export function decodeRecords(bytes: Uint8Array): DecodedRecords {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const payloads: Uint8Array[] = [];
  let offset = 0;
  while (offset + HEADER_BYTES <= bytes.length) {
    const length = view.getUint32(offset, true);
    const checksum = view.getUint32(offset + 4, true);
    const start = offset + HEADER_BYTES;
    const end = start + length;
    if (length === 0 || length > MAX_RECORD_BYTES || end > bytes.length) break;
    if (crc32(bytes, start, end) !== checksum) break;
    payloads.push(bytes.subarray(start, end));
    offset = end;
  }
  return { payloads, validBytes: offset, tornBytes: bytes.length - offset };
}
