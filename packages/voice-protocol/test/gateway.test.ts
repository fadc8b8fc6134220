import { describe, expect, it } from 'vitest';
import { decodeGatewayMessage, encodeGatewayMessage, JSON_OPCODES, VoiceOpcode, type VoiceGatewayMessage } from '../src/index.js';

function decode(text: string): VoiceGatewayMessage {
  const r = decodeGatewayMessage(text);
  if (!r.ok) throw new Error(`expected a message, got reason: ${r.reason}`);
  return r.value;
}

describe('voice gateway JSON codec (docs/protocol.md §4.2 examples)', () => {
  it('encodes Identify with max_dave_protocol_version', () => {
    const text = encodeGatewayMessage({ op: 0, d: { serverId: '41771983423143937', userId: '104694319306248192', sessionId: 'my_session_id', token: 'my_token', maxDaveProtocolVersion: 1 } });
    expect(JSON.parse(text)).toEqual({ op: 0, d: { server_id: '41771983423143937', user_id: '104694319306248192', session_id: 'my_session_id', token: 'my_token', max_dave_protocol_version: 1 } });
  });

  it('encodes Select Protocol with nested data', () => {
    const text = encodeGatewayMessage({ op: 1, d: { protocol: 'udp', address: '203.0.113.7', port: 50123, mode: 'aead_aes256_gcm_rtpsize' } });
    expect(JSON.parse(text)).toEqual({ op: 1, d: { protocol: 'udp', data: { address: '203.0.113.7', port: 50123, mode: 'aead_aes256_gcm_rtpsize' } } });
  });

  it('decodes Ready and ignores its legacy heartbeat_interval', () => {
    const m = decode('{"op":2,"d":{"ssrc":1,"ip":"127.0.0.1","port":1234,"modes":["aead_aes256_gcm_rtpsize","aead_xchacha20_poly1305_rtpsize"],"heartbeat_interval":1}}');
    expect(m).toEqual({ op: 2, d: { ssrc: 1, ip: '127.0.0.1', port: 1234, modes: ['aead_aes256_gcm_rtpsize', 'aead_xchacha20_poly1305_rtpsize'] } });
  });

  it('encodes the v8 heartbeat and decodes the legacy integer form', () => {
    expect(JSON.parse(encodeGatewayMessage({ op: 3, d: { t: 1501184119561, seqAck: 10 } }))).toEqual({ op: 3, d: { t: 1501184119561, seq_ack: 10 } });
    expect(decode('{"op":3,"d":1501184119561}')).toEqual({ op: 3, d: { t: 1501184119561 } });
    expect(decode('{"op":6,"d":{"t":1501184119561}}')).toEqual({ op: 6, d: { t: 1501184119561 } });
  });

  it('decodes Session Description with the 32-byte key and DAVE version', () => {
    const key = Array.from({ length: 32 }, (_, i) => (i * 7 + 251) & 0xff);
    const m = decode(JSON.stringify({ op: 4, d: { mode: 'aead_aes256_gcm_rtpsize', secret_key: key, dave_protocol_version: 1, audio_codec: 'opus' } }));
    expect(m.op).toBe(VoiceOpcode.SessionDescription);
    if (m.op !== 4) return;
    expect(Array.from(m.d.secretKey)).toEqual(key);
    expect(m.d.daveProtocolVersion).toBe(1);
    expect(decode(JSON.stringify({ op: 4, d: { mode: 'x', secret_key: key } }))).toMatchObject({ d: { daveProtocolVersion: 0 } });
  });

  it('rejects a secret key that is not 32 bytes', () => {
    const r = decodeGatewayMessage(JSON.stringify({ op: 4, d: { mode: 'x', secret_key: [1, 2, 3] } }));
    expect(r).toEqual({ ok: false, reason: expect.stringContaining('secret_key') });
    const r2 = decodeGatewayMessage(JSON.stringify({ op: 4, d: { mode: 'x', secret_key: Array(32).fill(256) } }));
    expect(r2.ok).toBe(false);
  });

  it('keeps the top-level seq of server messages (op 5 example)', () => {
    expect(decode('{"op":5,"d":{"user_id":"1","ssrc":2,"speaking":5},"seq":10}')).toEqual({ op: 5, d: { userId: '1', ssrc: 2, speaking: 5 }, seq: 10 });
    expect(decodeGatewayMessage('{"op":9,"d":null,"seq":-3}').ok).toBe(false);
  });

  it('decodes Hello with and without v', () => {
    expect(decode('{"op":8,"d":{"heartbeat_interval":41250}}')).toEqual({ op: 8, d: { heartbeatInterval: 41250 } });
    expect(decode('{"op":8,"d":{"heartbeat_interval":13750,"v":8}}')).toEqual({ op: 8, d: { heartbeatInterval: 13750, v: 8 } });
    expect(decodeGatewayMessage('{"op":8,"d":{"heartbeat_interval":0}}').ok).toBe(false);
  });

  it('decodes Resume, Resumed, Clients Connect and Client Disconnect', () => {
    expect(decode('{"op":7,"d":{"server_id":"1","session_id":"s","token":"t","seq_ack":10}}')).toEqual({ op: 7, d: { serverId: '1', sessionId: 's', token: 't', seqAck: 10 } });
    expect(decode('{"op":9,"d":null}')).toEqual({ op: 9, d: null });
    expect(decode('{"op":11,"d":{"user_ids":["1090123456789012345"]},"seq":3}')).toEqual({ op: 11, d: { userIds: ['1090123456789012345'] }, seq: 3 });
    expect(decode('{"op":13,"d":{"user_id":"5"}}')).toEqual({ op: 13, d: { userId: '5' } });
  });

  it('decodes the DAVE JSON ops 21–24 and 31', () => {
    expect(decode('{"op":21,"d":{"protocol_version":0,"transition_id":10}}')).toEqual({ op: 21, d: { protocolVersion: 0, transitionId: 10 } });
    expect(decode('{"op":22,"d":{"transition_id":10}}')).toEqual({ op: 22, d: { transitionId: 10 } });
    expect(JSON.parse(encodeGatewayMessage({ op: 23, d: { transitionId: 10 } }))).toEqual({ op: 23, d: { transition_id: 10 } });
    expect(decode('{"op":24,"d":{"protocol_version":1,"epoch":1}}')).toEqual({ op: 24, d: { protocolVersion: 1, epoch: 1 } });
    expect(JSON.parse(encodeGatewayMessage({ op: 31, d: { transitionId: 32 } }))).toEqual({ op: 31, d: { transition_id: 32 } });
    expect(decodeGatewayMessage('{"op":22,"d":{"transition_id":70000}}').ok).toBe(false);
  });

  it('decodes the community ops 18 and 20 that Discord sends to bots', () => {
    expect(decode('{"op":18,"d":{"user_id":"1","flags":3},"seq":4}')).toEqual({ op: 18, d: { userId: '1', flags: 3 }, seq: 4 });
    expect(decode('{"op":20,"d":{"user_id":"1","platform":0}}')).toEqual({ op: 20, d: { userId: '1', platform: 0 } });
  });

  it('turns an unknown opcode into an unknown message, not an error', () => {
    expect(decode('{"op":99,"d":{"x":1},"seq":7}')).toEqual({ op: 'unknown', opcode: 99, d: { x: 1 }, seq: 7 });
    expect(decode('{"op":10,"d":null}')).toMatchObject({ op: 'unknown', opcode: 10 });
    expect(decode('{"op":25,"d":null}')).toMatchObject({ op: 'unknown', opcode: 25 });
  });

  it('gives reasons for malformed input', () => {
    for (const bad of ['', '{', 'null', '[]', '"op"', '{"d":{}}', '{"op":"2"}', '{"op":1.5}', '{"op":2,"d":{"ssrc":-1,"ip":"x","port":1,"modes":[]}}', '{"op":2,"d":{"ssrc":1,"ip":"x","port":70000,"modes":[]}}', '{"op":5,"d":{"speaking":1}}']) {
      const r = decodeGatewayMessage(bad);
      expect(r.ok, bad).toBe(false);
      if (!r.ok) expect(r.reason.length).toBeGreaterThan(0);
    }
  });

  it('has a typed codec for every JSON opcode of §4.1 (0–24, 31, 32 except obsolete 10)', () => {
    const expected = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 31, 32];
    expect([...JSON_OPCODES].sort((a, b) => a - b)).toEqual(expected);
  });

  it('refuses to encode a binary opcode as JSON', () => {
    expect(() => encodeGatewayMessage({ op: 26 } as unknown as VoiceGatewayMessage)).toThrow(/binary/);
  });
});
