import { describe, expect, it } from 'vitest';
import { closeCodePolicy, CLOSE_CODES, decodeIpDiscoveryRequest, decodeIpDiscoveryResponse, encodeIpDiscoveryRequest, encodeIpDiscoveryResponse, encodeUdpKeepalive, fromHex, isSilenceFrame, OPUS_SILENCE_FRAME, SpeakingFlags, toHex } from '../src/index.js';

describe('IP discovery (docs/protocol.md §8.1)', () => {
  it('encodes the request example for SSRC 1', () => {
    expect(toHex(encodeIpDiscoveryRequest(1))).toBe('0001004600000001' + '00'.repeat(64) + '0000');
  });

  it('parses a response', () => {
    const b = new Uint8Array(74);
    b.set(fromHex('0002004600000001'));
    b.set(new TextEncoder().encode('203.0.113.7'), 8);
    b.set(fromHex('c3cb'), 72);
    expect(decodeIpDiscoveryResponse(b)).toEqual({ ok: true, value: { ssrc: 1, address: '203.0.113.7', port: 50123 } });
    expect(toHex(encodeIpDiscoveryResponse({ ssrc: 1, address: '203.0.113.7', port: 50123 }))).toBe(toHex(b));
  });

  it('validates type, length, address and port', () => {
    const good = encodeIpDiscoveryResponse({ ssrc: 9, address: '127.0.0.1', port: 4000 });
    const bad = (mutate: (b: Uint8Array) => void) => {
      const b = good.slice();
      mutate(b);
      return decodeIpDiscoveryResponse(b).ok;
    };
    expect(bad(() => {})).toBe(true);
    expect(bad((b) => (b[1] = 1))).toBe(false);
    expect(bad((b) => (b[3] = 71))).toBe(false);
    expect(bad((b) => b.fill(0x41, 8, 72))).toBe(false); // not NUL-terminated
    expect(bad((b) => (b[8] = 0x01))).toBe(false); // non-printable
    expect(bad((b) => b.set(new TextEncoder().encode('hello'), 8))).toBe(false); // not an IP
    expect(bad((b) => b.fill(0, 72, 74))).toBe(false); // port 0
    expect(decodeIpDiscoveryResponse(good.subarray(0, 73)).ok).toBe(false);
    expect(decodeIpDiscoveryRequest(encodeIpDiscoveryRequest(0xfffffffe))).toEqual({ ok: true, value: { ssrc: 0xfffffffe } });
    expect(decodeIpDiscoveryResponse(encodeIpDiscoveryResponse({ ssrc: 1, address: '::1', port: 9 }))).toMatchObject({ ok: true, value: { address: '::1' } });
  });
});

describe('keepalive, speaking and silence', () => {
  it('encodes the 8-byte keepalive with a little-endian counter', () => {
    expect(toHex(encodeUdpKeepalive(0x01020304))).toBe('0403020100000000');
  });
  it('knows the silence frame and speaking flags', () => {
    expect(isSilenceFrame(OPUS_SILENCE_FRAME)).toBe(true);
    expect(isSilenceFrame(fromHex('f8fffe00'))).toBe(false);
    expect(SpeakingFlags.Microphone | SpeakingFlags.Priority).toBe(5);
  });
});

describe('close codes (docs/protocol.md §7)', () => {
  it('maps every documented code to its action', () => {
    const expected: Record<number, string> = {
      4001: 'give-up', 4002: 'give-up', 4003: 'fresh-join', 4004: 'fresh-join', 4005: 'give-up', 4006: 'fresh-join', 4009: 'fresh-join',
      4011: 'fresh-join', 4012: 'give-up', 4013: 'resume', 4014: 'wait-for-server', 4015: 'resume', 4016: 'give-up', 4017: 'give-up',
      4020: 'give-up', 4021: 'give-up', 4022: 'wait-for-server',
    };
    for (const [code, action] of Object.entries(expected)) expect(closeCodePolicy(Number(code)).action, code).toBe(action);
    expect(CLOSE_CODES.size).toBe(Object.keys(expected).length);
  });
  it('resumes on transport closes and says what to do on 4017', () => {
    for (const c of [1000, 1001, 1005, 1006]) expect(closeCodePolicy(c).action).toBe('resume');
    expect(closeCodePolicy(4017).reason).toMatch(/DAVE/);
    expect(closeCodePolicy(4099)).toMatchObject({ action: 'fresh-join', name: 'Unknown close code' });
  });
});
