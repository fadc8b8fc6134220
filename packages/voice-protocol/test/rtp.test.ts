import { describe, expect, it } from 'vitest';
import { classifyDatagram, decodeRtcpHeader, decodeRtpHeader, encodeRtpHeader, fromHex, rtpClearHeaderLength, rtpsizeLayout, sequenceDelta, stripRtpPlaintext, toHex, writeOpusRtpHeader } from '../src/index.js';

describe('RTP header (docs/protocol.md §9, §10.3)', () => {
  it('encodes the header of worked example (a)', () => {
    expect(toHex(encodeRtpHeader({ sequence: 1, timestamp: 960, ssrc: 0x12345678 }))).toBe('80780001000003c012345678');
    const b = new Uint8Array(12);
    writeOpusRtpHeader(b, 0, 1, 960, 0x12345678);
    expect(toHex(b)).toBe('80780001000003c012345678');
  });

  it('decodes the extension header of worked example (c): 16 clear bytes, 1 word of extension body', () => {
    const packet = fromHex('90 78 00 02 00 00 07 80 12 34 56 78 be de 00 01 bc 03 5a ce 6a ff 08 9c 34 02 ef 58 77 f2 0a db c8 18 25 f2 a8 e1 e5 00 00 00 02');
    expect(packet.length).toBe(43);
    const r = decodeRtpHeader(packet);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value).toMatchObject({ extension: true, padding: false, csrcCount: 0, sequence: 2, timestamp: 1920, ssrc: 0x12345678, extensionProfile: 0xbede, extensionLength: 1, clearHeaderLength: 16, payloadType: 120 });
    expect(rtpsizeLayout(packet.length, r.value.clearHeaderLength)).toEqual({ ok: true, value: { clearHeaderLength: 16, ciphertextEnd: 23, suffixStart: 39 } });
    // the decrypted plaintext of (c) minus its one-word extension body is the silence frame
    const stripped = stripRtpPlaintext(fromHex('10 7f 00 00 f8 ff fe'), false, 1);
    expect(stripped.ok && toHex(stripped.value)).toBe('f8fffe');
  });

  it('counts CSRCs and the extension preamble in the clear header', () => {
    expect(rtpClearHeaderLength(0x80)).toBe(12);
    expect(rtpClearHeaderLength(0x90)).toBe(16);
    expect(rtpClearHeaderLength(0x82)).toBe(20);
    expect(rtpClearHeaderLength(0xb3)).toBe(12 + 12 + 4);
    expect(rtpClearHeaderLength(0x40)).toBe(-1);
    const h = encodeRtpHeader({ sequence: 9, timestamp: 1, ssrc: 2, csrcs: [0xdeadbeef, 1], extension: { profile: 0xbede, length: 2 }, marker: true });
    expect(toHex(h)).toBe('92f800090000000100000002deadbeef00000001bede0002');
    expect(decodeRtpHeader(h)).toMatchObject({ ok: true, value: { csrcs: [0xdeadbeef, 1], marker: true, clearHeaderLength: 24 } });
  });

  it('masks the marker bit and never assumes 0x80 on receive', () => {
    expect(decodeRtpHeader(fromHex('b0f800010000000100000002000000'))).toMatchObject({ ok: false });
    expect(decodeRtpHeader(fromHex('b0f80001000000010000000200000000'))).toMatchObject({ ok: true, value: { padding: true, extension: true, marker: true, payloadType: 120 } });
  });

  it('strips padding (the last plaintext byte counts itself) before the extension body', () => {
    const plain = fromHex('aa bb cc dd f8 ff fe 00 00 03');
    const r = stripRtpPlaintext(plain, true, 1);
    expect(r.ok && toHex(r.value)).toBe('f8fffe');
    expect(stripRtpPlaintext(fromHex('f8 ff 00'), true, 0).ok).toBe(false); // zero padding count
    expect(stripRtpPlaintext(fromHex('f8 ff 09'), true, 0).ok).toBe(false); // more padding than bytes
    expect(stripRtpPlaintext(fromHex('f8 ff'), false, 1).ok).toBe(false); // extension longer than plaintext
  });

  it('rejects packets too short for header, tag and suffix', () => {
    expect(rtpsizeLayout(31, 12).ok).toBe(false);
    expect(rtpsizeLayout(32, 12)).toEqual({ ok: true, value: { clearHeaderLength: 12, ciphertextEnd: 12, suffixStart: 28 } });
  });

  it('computes 16-bit sequence distance across the wrap', () => {
    expect(sequenceDelta(65535, 0)).toBe(1);
    expect(sequenceDelta(0, 65535)).toBe(-1);
    expect(sequenceDelta(10, 20)).toBe(10);
  });
});

describe('UDP demultiplexing (docs/protocol.md §8.3) and RTCP', () => {
  it('classifies datagrams', () => {
    const discovery = new Uint8Array(74);
    discovery[1] = 2;
    expect(classifyDatagram(discovery)).toBe('ip-discovery');
    expect(classifyDatagram(fromHex('80780001000003c012345678'))).toBe('rtp-opus');
    expect(classifyDatagram(fromHex('80f80001000003c012345678'))).toBe('rtp-opus'); // marker set: 0xF8 is not RTCP
    expect(classifyDatagram(fromHex('80c8000612345678aabbccdd'))).toBe('rtcp');
    expect(classifyDatagram(fromHex('80650001000003c012345678'))).toBe('rtp-other');
    expect(classifyDatagram(fromHex('0100000000000000'))).toBe('other');
    expect(classifyDatagram(new Uint8Array(0))).toBe('other');
  });

  it('decodes the RTCP clear header', () => {
    expect(decodeRtcpHeader(fromHex('81c9000712345678'))).toEqual({ ok: true, value: { padding: false, count: 1, packetType: 201, length: 7, senderSsrc: 0x12345678 } });
    expect(decodeRtcpHeader(fromHex('8178000712345678')).ok).toBe(false);
  });
});
