/**
 * The portable suite: the protocol core's codecs and the full session lifecycle, written against
 * runner-neutral cases so Node (vitest), Bun and Deno run the same checks. It imports the core package
 * (`@voicewire/voice-protocol`) for everything under test; the server core and crypto-noble are fixtures.
 */
import fc from 'fast-check';
import { nobleProvider } from '@voicewire/crypto-noble';
import * as core from '@voicewire/voice-protocol';
import { assert, assertBytes, cryptoProviderConformance, SimNetwork, TRANSPORT_VECTORS, VECTOR_KEY, type TestCase } from '../src/index.js';

const { fromHex, toHex } = core;

function isResult(r: core.DecodeResult<unknown>): boolean {
  return r.ok ? 'value' in r : typeof r.reason === 'string' && r.reason.length > 0;
}

export function portableCases(): TestCase[] {
  const cases: TestCase[] = [];
  const add = (name: string, run: () => void | Promise<void>) => cases.push({ name, run });

  // ── codecs: known answers ──
  add('gateway: Identify, Ready, Session Description, seq and unknown ops', () => {
    const id = JSON.parse(core.encodeGatewayMessage({ op: 0, d: { serverId: '1', userId: '2', sessionId: 's', token: 't', maxDaveProtocolVersion: 1 } }));
    assert(id.d.max_dave_protocol_version === 1 && id.d.server_id === '1', 'Identify wire form');
    const ready = core.decodeGatewayMessage('{"op":2,"d":{"ssrc":1,"ip":"127.0.0.1","port":1234,"modes":["aead_aes256_gcm_rtpsize"],"heartbeat_interval":1}}');
    assert(ready.ok && ready.value.op === 2 && ready.value.d.ssrc === 1, 'Ready');
    const sd = core.decodeGatewayMessage(JSON.stringify({ op: 4, d: { mode: 'm', secret_key: Array(32).fill(7), dave_protocol_version: 1 }, seq: 3 }));
    assert(sd.ok && sd.value.op === 4 && sd.value.d.secretKey.length === 32 && sd.value.seq === 3, 'Session Description');
    const unk = core.decodeGatewayMessage('{"op":99,"d":{}}');
    assert(unk.ok && unk.value.op === 'unknown', 'unknown op');
    assert(!core.decodeGatewayMessage('{').ok, 'bad JSON gives a reason');
  });
  add('DAVE binary frames: op 29 layout and op 26', () => {
    const r = core.decodeDaveServerFrame(fromHex('0102 1d 000a 00010002aabb'));
    assert(r.ok && r.value.op === 29 && r.value.seq === 0x0102 && r.value.transitionId === 10, 'op 29');
    assert(toHex(core.encodeDaveClientFrame({ op: 26, keyPackage: fromHex('0001') })) === '1a0001', 'op 26');
  });
  add('RTP: worked headers (a) and (c), padding and extension strip', () => {
    assert(toHex(core.encodeRtpHeader({ sequence: 1, timestamp: 960, ssrc: 0x12345678 })) === '80780001000003c012345678', 'header (a)');
    const h = core.decodeRtpHeader(TRANSPORT_VECTORS.aesGcmExtension.packet);
    assert(h.ok && h.value.clearHeaderLength === 16 && h.value.extensionLength === 1, 'header (c)');
    const s = core.stripRtpPlaintext(fromHex('aabbccdd f8fffe 0002'), true, 1);
    assert(s.ok && toHex(s.value) === 'f8fffe', 'strip');
  });
  add('IP discovery, classifier, keepalive, close codes', () => {
    assert(toHex(core.encodeIpDiscoveryRequest(1)) === '0001004600000001' + '00'.repeat(66), 'request');
    const r = core.decodeIpDiscoveryResponse(core.encodeIpDiscoveryResponse({ ssrc: 5, address: '203.0.113.7', port: 50123 }));
    assert(r.ok && r.value.address === '203.0.113.7', 'response');
    assert(core.classifyDatagram(fromHex('80c8000612345678aabbccdd')) === 'rtcp', 'classifier');
    assert(toHex(core.encodeUdpKeepalive(0x01020304)) === '0403020100000000', 'keepalive');
    assert(core.closeCodePolicy(4015).action === 'resume' && core.closeCodePolicy(4017).action === 'give-up', 'close codes');
  });
  add('transport encryption: worked packets (a) and (b) with crypto-noble', () => {
    const a = new core.TransportCipher(nobleProvider, core.TransportMode.AesGcm, VECTOR_KEY);
    assertBytes(a.sealRtp(TRANSPORT_VECTORS.aesGcm.header, TRANSPORT_VECTORS.aesGcm.payload, 1), TRANSPORT_VECTORS.aesGcm.packet, '(a)');
    const b = new core.TransportCipher(nobleProvider, core.TransportMode.XChaCha, VECTOR_KEY);
    assertBytes(b.sealRtp(TRANSPORT_VECTORS.xchacha.header, TRANSPORT_VECTORS.xchacha.payload, 1), TRANSPORT_VECTORS.xchacha.packet, '(b)');
  });
  // ── codecs: properties (small run counts; `pnpm fuzz` does 1e6 on Node) ──
  add('properties: every decoder gives a value or a reason for any bytes / text', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), fc.string(), (b, s) => isResult(core.decodeDaveServerFrame(b)) && isResult(core.decodeRtpHeader(b)) && isResult(core.decodeIpDiscoveryResponse(b)) && isResult(core.decodeGatewayMessage(s))), { numRuns: 300 });
  });
  add('properties: RTP header and DAVE frame round trips', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xffffffff }), fc.uint8Array({ maxLength: 200 }), (seq, ts, body) => {
      const h = core.decodeRtpHeader(core.encodeRtpHeader({ sequence: seq, timestamp: ts, ssrc: ts ^ 1 }));
      const f = core.decodeDaveServerFrame(core.encodeDaveServerFrame({ op: 30, seq, transitionId: seq, welcome: Uint8Array.of(1, ...body) }));
      return h.ok && h.value.sequence === seq && h.value.timestamp === ts && f.ok && f.value.op === 30 && f.value.welcome.length === body.length + 1;
    }), { numRuns: 300 });
  });
  for (const c of cryptoProviderConformance(nobleProvider, [], 42).slice(0, 4)) cases.push(c);

  // ── the full lifecycle on the sans-IO server, fake clock ──
  add('session lifecycle: join, two-way audio, resume with replay, terminal 4017', () => {
    const net = new SimNetwork({ seed: 5, crypto: nobleProvider, server: { daveByDefault: false } });
    const mk = (i: number) => net.addClient(`c${i}`, { guildId: '1', channelId: '2', userId: `10${i}`, crypto: nobleProvider });
    const a = mk(0);
    const b = mk(1);
    a.session.join(net.now);
    b.session.join(net.now);
    assert(net.runUntil(() => a.session.state === 'ready' && b.session.state === 'ready', 5_000), 'both ready');
    net.runFor(50);
    for (let n = 0; n < 30; n++) {
      a.session.sendOpusFrame(Uint8Array.of(0xfc, n), net.now);
      net.runFor(20);
    }
    net.runFor(100);
    const got = b.events.flatMap((e) => (e.event.type === 'audio' && e.event.userId === '100' ? [e.event.opus[1]] : []));
    assert(got.length === 30 && got.every((v, i) => v === i), `b received frames 0–29 in order, got ${got.join(',')}`);
    net.server.closeSocket('100', 4015);
    assert(net.runUntil(() => a.events.some((e) => e.event.type === 'resumed'), 5_000), 'a resumed');
    net.server.closeSocket('101', 4017);
    assert(net.runUntil(() => b.session.state === 'disconnected', 2_000), 'b disconnected on 4017');
    const last = b.events.filter((e) => e.event.type === 'disconnected').pop()?.event;
    assert(last?.type === 'disconnected' && last.error?.code === 'E_DAVE_REQUIRED', 'terminal error names DAVE');
    assert(net.violations.length === 0, `no invariant violations: ${net.violations.join('; ')}`);
  });
  return cases;
}
