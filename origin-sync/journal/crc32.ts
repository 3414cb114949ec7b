// CRC-32 (IEEE 802.3, the zlib/PNG polynomial) of journal records. Node's zlib.crc32 (22.2+)
// when present, as it is ~10x faster; otherwise the same function in plain TypeScript.
import * as zlib from 'node:zlib';

const TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32Portable(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0xffffffff;
  for (let i = start; i < end; i++) {
    crc = TABLE[(crc ^ (bytes[i] as number)) & 0xff]! ^ (crc >>> 8);
  }
  return (crc ^ 0xffffffff) >>> 0;
}

const native = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;

export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  if (!native) return crc32Portable(bytes, start, end);
  return native(start === 0 && end === bytes.length ? bytes : bytes.subarray(start, end));
}
