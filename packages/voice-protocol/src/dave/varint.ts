/** MLS variable-length integer (RFC 9420 §2.1.2), used for `<V>` vector lengths in DAVE frames (docs/protocol.md §11.4, §11.6). */
import { fail, ok, type DecodeResult } from '../result.js';

export function mlsVarintLength(value: number): number {
  if (value < 0x40) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x40000000) return 4;
  throw new RangeError(`MLS varint ${value} is out of range (max 2^30-1)`);
}

export function writeMlsVarint(out: Uint8Array, offset: number, value: number): number {
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`MLS varint must be a non-negative integer, got ${value}`);
  const n = mlsVarintLength(value);
  if (n === 1) out[offset] = value;
  else if (n === 2) {
    out[offset] = 0x40 | (value >>> 8);
    out[offset + 1] = value & 0xff;
  } else {
    out[offset] = 0x80 | (value >>> 24);
    out[offset + 1] = (value >>> 16) & 0xff;
    out[offset + 2] = (value >>> 8) & 0xff;
    out[offset + 3] = value & 0xff;
  }
  return n;
}

/** Reads a varint at `offset`; returns the value and the number of bytes it used. Rejects non-minimal encodings. */
export function readMlsVarint(b: Uint8Array, offset: number): DecodeResult<{ value: number; size: number }> {
  if (offset >= b.length) return fail('varint: no bytes');
  const first = b[offset] as number;
  const prefix = first >>> 6;
  if (prefix === 3) return fail('varint: invalid 11 prefix');
  const size = 1 << prefix;
  if (offset + size > b.length) return fail('varint: truncated');
  let value = first & 0x3f;
  for (let i = 1; i < size; i++) value = value * 256 + (b[offset + i] as number);
  if (size > 1 && value < (size === 2 ? 0x40 : 0x4000)) return fail('varint: not minimally encoded');
  return ok({ value, size });
}
