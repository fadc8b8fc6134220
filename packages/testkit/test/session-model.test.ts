import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { daveProvider } from '@voicewire/crypto-dave';
import { encodeDaveServerFrame, encodeIpDiscoveryRequest, LocalProtocolError } from '@voicewire/voice-protocol';
import type { SimClient, SimNetwork } from '../src/index.js';
import { CHANNEL, client, frame, GUILD, network, USERS } from './helpers.js';

/**
 * A command model over the sans-IO session: random sequences of user commands, server faults, garbage
 * input and time steps. Invariants: nothing escapes but LocalProtocolError, every drain ends, timer.at ≥ now,
 * after destroy only closing outputs, no secret in any event or non-handshake output.
 */
interface Real {
  net: SimNetwork;
  a: SimClient;
  b: SimClient;
}

type Step = { name: string; run: (r: Real) => void };

const closeCodes = [1000, 1001, 1006, 4001, 4002, 4003, 4004, 4005, 4006, 4009, 4011, 4012, 4013, 4014, 4015, 4016, 4017, 4020, 4021, 4022, 4099];

function guarded(fn: () => void): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof LocalProtocolError)) throw e;
  }
}

/** Ready, Session Description and DAVE op fields with values from every type and range (and missing ones). */
const hostileFields = fc.record(
  {
    ssrc: fc.oneof(fc.integer({ min: -1, max: 2 ** 33 }), fc.anything()),
    ip: fc.oneof(fc.constantFrom('255.255.255.255', '0.0.0.0', '224.0.0.1', '::', 'ff02::1', 'not a host', '', '127.0.0.1'), fc.string(), fc.anything()),
    port: fc.oneof(fc.integer({ min: -1, max: 70_000 }), fc.constant(0), fc.anything()),
    modes: fc.oneof(fc.array(fc.string(), { maxLength: 5 }), fc.anything()),
    mode: fc.oneof(fc.constantFrom('aead_aes256_gcm_rtpsize', 'aead_xchacha20_poly1305_rtpsize'), fc.string()),
    secret_key: fc.oneof(fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 32, maxLength: 32 }), fc.array(fc.integer({ min: -5, max: 300 }), { maxLength: 40 })),
    dave_protocol_version: fc.oneof(fc.integer({ min: 0, max: 300 }), fc.anything()),
    protocol_version: fc.oneof(fc.integer({ min: 0, max: 300 }), fc.anything()),
    transition_id: fc.oneof(fc.integer({ min: -1, max: 70_000 }), fc.anything()),
    epoch: fc.oneof(fc.integer({ min: -1, max: 5 }), fc.anything()),
  },
  { requiredKeys: [] },
);

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.constant<Step>({ name: 'join', run: (r) => guarded(() => r.a.session.join(r.net.now)) }),
  fc.constant<Step>({ name: 'leave', run: (r) => guarded(() => r.a.session.leave(r.net.now)) }),
  fc.integer({ min: 1, max: 8_000 }).map<Step>((ms) => ({ name: `wait ${ms}`, run: (r) => r.net.runFor(ms) })),
  fc.integer({ min: 1, max: 30 }).map<Step>((n) => ({
    name: `send ${n}`,
    run: (r) => {
      for (let i = 0; i < n; i++) {
        guarded(() => r.a.session.sendOpusFrame(frame(i), r.net.now));
        r.net.runFor(20);
      }
    },
  })),
  fc.constant<Step>({ name: 'stop speaking', run: (r) => guarded(() => r.a.session.stopSpeaking(r.net.now)) }),
  fc.integer({ min: 0, max: 9 }).map<Step>((f) => ({ name: `flags ${f}`, run: (r) => guarded(() => r.a.session.setSpeaking(f, r.net.now)) })),
  fc.constantFrom(...closeCodes).map<Step>((code) => ({ name: `server close ${code}`, run: (r) => r.net.server.closeSocket(USERS[0], code) })),
  fc.constant<Step>({ name: 'server drop', run: (r) => r.net.server.dropSocket(USERS[0]) }),
  fc.boolean().map<Step>((on) => ({ name: `acking ${on}`, run: (r) => r.net.server.setAcking(USERS[0], on) })),
  fc.option(fc.constantFrom('voice-2.local:2087', 'voice-3.local:443'), { nil: null }).map<Step>((e) => ({ name: `endpoint ${e}`, run: (r) => r.net.server.changeEndpoint(GUILD, e) })),
  fc.boolean().map<Step>((full) => ({ name: `full ${full}`, run: (r) => r.net.server.setChannelFull(CHANNEL, full) })),
  fc.oneof(fc.string(), fc.json(), fc.uint8Array({ maxLength: 40 })).map<Step>((raw) => ({ name: 'server raw', run: (r) => r.net.server.sendRaw(USERS[0], raw) })),
  fc.tuple(fc.integer({ min: 0, max: 12 }), fc.oneof(fc.string(), fc.uint8Array({ maxLength: 80 }))).map<Step>(([id, data]) => ({ name: 'garbage ws input', run: (r) => r.a.session.handleWsMessage(id, data, r.net.now) })),
  fc.tuple(fc.integer({ min: 0, max: 12 }), fc.uint8Array({ maxLength: 120 })).map<Step>(([id, data]) => ({ name: 'garbage udp input', run: (r) => r.a.session.handleUdpPacket(id, data, r.net.now) })),
  fc.anything().map<Step>((d) => ({ name: 'garbage voice state', run: (r) => r.a.session.handleVoiceStateUpdate(d as never, r.net.now) })),
  fc.constant<Step>({ name: 'destroy', run: (r) => r.a.session.destroy(r.net.now) }),
  fc.tuple(fc.constantFrom(25 as const, 27 as const, 29 as const, 30 as const), fc.uint8Array({ minLength: 1, maxLength: 60 })).map<Step>(([op, body]) => ({
    name: `garbage DAVE op ${op}`,
    run: (r) => {
      const f = op === 25 ? { op, seq: 1, externalSender: body } : op === 27 ? { op, seq: 1, operation: 0 as const, proposals: body } : op === 29 ? { op, seq: 1, transitionId: 3, commit: body } : { op, seq: 1, welcome: body, transitionId: 3 };
      r.net.server.sendRaw(USERS[0], encodeDaveServerFrame(f as never));
    },
  })),
  fc.constantFrom(0, 1).map<Step>((v) => ({ name: `dave transition to v${v}`, run: (r) => r.net.server.daveTransition(GUILD, CHANNEL, v) })),
  // What a hostile server sends: the handshake and DAVE ops with values out of every range.
  fc.tuple(fc.constantFrom(2, 4, 21, 22, 24), hostileFields).map<Step>(([op, d]) => ({ name: `hostile op ${op} ${JSON.stringify(d).slice(0, 60)}`, run: (r) => r.net.server.sendRaw(USERS[0], JSON.stringify({ op, d, seq: 1 })) })),
  fc.tuple(fc.integer({ min: 0, max: 12 }), fc.constantFrom('tls' as const, 'too-large' as const, 'network' as const), fc.constantFrom(1006, 1009, 1000, 4015)).map<Step>(([id, kind, code]) => ({
    name: `ws ${id} closed ${code} (${kind})`,
    run: (r) => r.a.session.handleWsClose(id, code, r.net.now, { kind, message: `${kind} failure` }),
  })),
  fc.tuple(fc.integer({ min: 0, max: 12 }), fc.boolean(), fc.integer({ min: 1, max: 60 })).map<Step>(([id, fatal, n]) => ({
    name: `udp ${id} failure ×${n}${fatal ? ' (fatal)' : ''}`,
    run: (r) => {
      for (let i = 0; i < n; i++) r.a.session.handleUdpFailure(id, { kind: 'network', message: 'send ECONNREFUSED', fatal }, r.net.now);
    },
  })),
  fc.boolean().map<Step>((silent) => ({ name: `udp silent ${silent}`, run: (r) => r.net.server.setUdpSilent(USERS[0], silent) })),
  fc.integer({ min: 0, max: 0xffffffff }).map<Step>((ssrc) => ({ name: `spoofed discovery ${ssrc}`, run: (r) => r.net.server.handleUdp({ address: '127.0.0.99', port: 9999 }, encodeIpDiscoveryRequest(ssrc), r.net.now) })),
);

function model(dave: boolean) {
  return fc.property(fc.integer({ min: 1, max: 2 ** 30 }), fc.array(step, { minLength: 1, maxLength: 30 }), (seed, steps) => {
    const net = network({ seed, server: { heartbeatIntervalMs: 2_000 }, dave });
    const extra = dave ? { e2ee: daveProvider } : {};
    const real: Real = { net, a: client(net, 0, { reconnectBaseMs: 200, waitForServerMs: 3_000, ...extra }), b: client(net, 1, extra) };
    real.b.session.join(net.now);
    real.a.session.join(net.now); // start connected; steps may leave, rejoin, break and destroy it
    net.runFor(300);
    expect(real.a.session.state).toBe('ready');
    for (const s of steps) {
      s.run(real);
      net.drainAll();
      expect(net.violations, s.name).toEqual([]);
    }
    net.runFor(60_000); // whatever state it is in, time must not break it
    expect(net.violations).toEqual([]);
    for (const secret of net.secrets) for (const t of real.a.outputTexts) if (t.includes(secret)) throw new Error(`secret leaked: ${t.slice(0, 60)}`);
    // The session ends somewhere sensible: connected, waiting with a deadline, or disconnected with a reason.
    const st = real.a.session.state;
    if (st !== 'idle' && st !== 'ready' && st !== 'disconnected' && st !== 'destroyed') expect(real.a.timerAt).not.toBeNull();
  });
}

describe('VoiceSession command model (fast-check)', () => {
  it('keeps its invariants under random commands, faults, garbage and time', () => {
    fc.assert(model(false), { numRuns: Number(process.env.FC_NUM_RUNS ?? 150) });
  }, 120_000);

  it('keeps them with DAVE on (davey, the emulator as external sender, garbage DAVE frames, transitions)', () => {
    fc.assert(model(true), { numRuns: Math.ceil(Number(process.env.FC_NUM_RUNS ?? 150) / 3) });
  }, 120_000);
});
