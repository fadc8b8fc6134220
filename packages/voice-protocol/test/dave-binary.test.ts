import { describe, expect, it } from 'vitest';
import { decodeDaveClientFrame, decodeDaveServerFrame, encodeDaveClientFrame, encodeDaveServerFrame, fromHex, readMlsVarint, toHex, writeMlsVarint } from '../src/index.js';

describe('MLS varint (RFC 9420 §2.1.2 examples)', () => {
  it('decodes the RFC examples', () => {
    expect(readMlsVarint(fromHex('25'), 0)).toEqual({ ok: true, value: { value: 37, size: 1 } });
    expect(readMlsVarint(fromHex('7bbd'), 0)).toEqual({ ok: true, value: { value: 15293, size: 2 } });
    expect(readMlsVarint(fromHex('9d7f3e7d'), 0)).toEqual({ ok: true, value: { value: 494878333, size: 4 } });
  });
  it('rejects the 11 prefix, truncation and non-minimal encodings', () => {
    expect(readMlsVarint(fromHex('c0'), 0).ok).toBe(false);
    expect(readMlsVarint(fromHex('40'), 0).ok).toBe(false);
    expect(readMlsVarint(fromHex('4025'), 0).ok).toBe(false);
  });
  it('encodes minimally', () => {
    const b = new Uint8Array(4);
    expect(toHex(b.subarray(0, writeMlsVarint(b, 0, 15293)))).toBe('7bbd');
    expect(toHex(b.subarray(0, writeMlsVarint(b, 0, 494878333)))).toBe('9d7f3e7d');
  });
});

describe('DAVE binary frames (docs/protocol.md §3.2, §11.6)', () => {
  it('decodes op 29 as [seq][0x1d][transition id][MLSMessage]', () => {
    const r = decodeDaveServerFrame(fromHex('0102 1d 000a 00010002aabb'));
    expect(r.ok).toBe(true);
    if (!r.ok || r.value.op !== 29) return;
    expect(r.value.seq).toBe(0x0102);
    expect(r.value.transitionId).toBe(10);
    expect(toHex(r.value.commit)).toBe('00010002aabb');
  });

  it('encodes op 26 as [0x1a][KeyPackage] with no seq', () => {
    expect(toHex(encodeDaveClientFrame({ op: 26, keyPackage: fromHex('0001000240410401') }))).toBe('1a0001000240410401');
  });

  it('decodes op 27 append/revoke with its vector', () => {
    const r = decodeDaveServerFrame(fromHex('0007 1b 01 03 aabbcc'));
    expect(r).toMatchObject({ ok: true, value: { seq: 7, op: 27, operation: 1 } });
    if (r.ok && r.value.op === 27) expect(toHex(r.value.proposals)).toBe('aabbcc');
    expect(decodeDaveServerFrame(fromHex('0007 1b 00 04 aabbcc')).ok).toBe(false); // vector length mismatch
    expect(decodeDaveServerFrame(fromHex('0007 1b 02 00')).ok).toBe(false); // unknown operation
  });

  it('decodes op 25 and op 30', () => {
    expect(decodeDaveServerFrame(fromHex('ffff 19 4101aa'))).toMatchObject({ ok: true, value: { seq: 65535, op: 25 } });
    const w = decodeDaveServerFrame(fromHex('0003 1e 0001 beef'));
    expect(w).toMatchObject({ ok: true, value: { seq: 3, op: 30, transitionId: 1 } });
  });

  it('writes into a caller buffer at an offset', () => {
    const out = new Uint8Array(16).fill(0xee);
    const view = encodeDaveServerFrame({ op: 29, seq: 1, transitionId: 2, commit: fromHex('abcd') }, out, 3);
    expect(toHex(view)).toBe('00011d0002abcd');
    expect(out[2]).toBe(0xee);
    expect(toHex(out.subarray(3, 10))).toBe('00011d0002abcd');
    expect(() => encodeDaveServerFrame({ op: 29, seq: 1, transitionId: 2, commit: fromHex('abcd') }, out, 12)).toThrow(RangeError);
  });

  it('rejects client opcodes in server frames and vice versa', () => {
    expect(decodeDaveServerFrame(fromHex('0001 1a 00')).ok).toBe(false);
    expect(decodeDaveClientFrame(fromHex('1d 00')).ok).toBe(false);
    expect(decodeDaveClientFrame(fromHex('1c 0102'))).toMatchObject({ ok: true, value: { op: 28 } });
  });
});
