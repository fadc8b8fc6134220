// A hostile voice server, sans-IO: every value that once crashed a client or hid a failure, driven through a
// real VoiceSession with real providers on a fake clock. Nothing may escape but LocalProtocolError from local
// calls; every bad value ends in a clear error, a reconnect with a reason, or a counted drop.
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { daveProvider } from '@voicewire/crypto-dave';
import { nodeProvider } from '@voicewire/crypto-node';
import { encodeIpDiscoveryRequest, VoiceSession, type E2eeProvider, type SessionEvent, type SessionOutput, type VoiceSessionConfig } from '@voicewire/voice-protocol';
import { HOSTILE_SESSION_ID, HOSTILE_TOKEN, runScripted, type HostileOptions } from '../src/index.js';
import { audioFrom, client, GUILD, CHANNEL, joinAll, network, sendFrames, USERS } from './helpers.js';

const FAST = { reconnectBaseMs: 10, reconnectMaxMs: 40, maxReconnectAttempts: 3 } as const;

function session(extra: Partial<VoiceSessionConfig> = {}): VoiceSession {
  let seed = 7;
  const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  return new VoiceSession({ guildId: GUILD, channelId: CHANNEL, userId: '1000', crypto: nodeProvider, random, ...FAST, ...extra });
}

function run(s: VoiceSession, options: HostileOptions, ms = 60_000) {
  s.join(0);
  return runScripted(s, options, ms);
}

const events = (outputs: SessionOutput[]): SessionEvent[] => outputs.flatMap((o) => (o.type === 'event' ? [o.event] : []));
const ofType = <T extends SessionEvent['type']>(outputs: SessionOutput[], type: T) => events(outputs).filter((e): e is Extract<SessionEvent, { type: T }> => e.type === type);
const terminal = (outputs: SessionOutput[]) => ofType(outputs, 'disconnected').at(-1)?.error ?? null;

describe('a hostile server cannot crash the session: Ready', () => {
  for (const [what, ready, says] of [
    ['port 0', { port: 0 }, 'port 0'],
    ['port 65536', { port: 65536 }, 'port'],
    ['the broadcast address', { ip: '255.255.255.255' }, 'broadcast'],
    ['the unspecified address', { ip: '0.0.0.0' }, 'unspecified'],
    ['a multicast address', { ip: '239.1.2.3' }, 'multicast'],
    ['IPv6 multicast', { ip: 'ff02::1' }, 'multicast'],
    ['a malformed address', { ip: 'not a host!' }, 'neither an IP'],
  ] as const) {
    it(`${what}: no UDP socket is opened to it; the session reconnects with the reason, then gives up`, () => {
      const { outputs } = run(session(), { ready });
      expect(outputs.some((o) => o.type === 'udp-connect')).toBe(false);
      const reconnects = ofType(outputs, 'reconnecting');
      expect(reconnects.length).toBe(FAST.maxReconnectAttempts);
      expect(reconnects[0]?.reason).toContain(says);
      expect(reconnects.every((r) => !r.resume)).toBe(true);
      expect(terminal(outputs)?.code).toBe('E_RECONNECT_EXHAUSTED');
    });
  }

  it('a valid port and a DNS name are accepted (1 and 65535 are the bounds)', () => {
    for (const ready of [{ port: 1 }, { port: 65535 }, { ip: 'voice-udp.example.com', port: 50001 }]) {
      const { outputs } = run(session(), { ready }, 200);
      expect(outputs.find((o) => o.type === 'udp-connect'), JSON.stringify(ready)).toBeDefined();
    }
  });

  it('100,000 offered modes: the error says so in a bounded message', () => {
    const { outputs } = run(session(), { ready: { modes: Array.from({ length: 100_000 }, (_, i) => `mode_${i}`) } });
    const err = terminal(outputs);
    expect(err?.code).toBe('E_NO_COMMON_MODE');
    expect(err?.message.length).toBeLessThan(600);
    expect(err?.message).toContain('100000 in all');
  });
});

describe('a hostile server cannot crash the session: DAVE', () => {
  for (const v of [2, 255]) {
    it(`Session Description with dave_protocol_version ${v}: a terminal E_DAVE_UNSUPPORTED, no exception`, () => {
      const { outputs } = run(session({ e2ee: daveProvider }), { sessionDescription: { dave_protocol_version: v } });
      const err = terminal(outputs);
      expect(err?.code).toBe('E_DAVE_UNSUPPORTED');
      expect(err?.message).toContain(`version ${v}`);
      expect(ofType(outputs, 'reconnecting')).toHaveLength(0);
    });
  }

  for (const [op, d] of [
    [24, { protocol_version: 7, epoch: 1 }],
    [24, { protocol_version: 255, epoch: 1 }],
    [21, { protocol_version: 9, transition_id: 5 }],
  ] as const) {
    it(`op ${op} with protocol_version ${d.protocol_version} after ready: ignored with a warning, the call stays up`, () => {
      const s = session({ e2ee: daveProvider });
      const { outputs, scripts } = run(s, { sessionDescription: { dave_protocol_version: 1 }, afterSessionDescription: (act) => act.sendJson({ op, d }) }, 3_000);
      expect(ofType(outputs, 'warning').some((w) => w.code === 'E_DAVE_UNSUPPORTED')).toBe(true);
      expect(s.state).toBe('ready');
      // no transition ready (op 23) was sent for a version that cannot be run
      expect(scripts.flatMap((x) => x.received).some((m) => m.op === 23)).toBe(false);
    });
  }

  it('an E2EE provider that throws while creating the session gives E_DAVE_FAILED, not an exception', () => {
    const broken: E2eeProvider = { name: 'broken', maxProtocolVersion: 1, createSession: () => { throw new Error('native module missing'); } };
    const { outputs } = run(session({ e2ee: broken }), { sessionDescription: { dave_protocol_version: 1 } });
    const err = terminal(outputs);
    expect(err?.code).toBe('E_DAVE_FAILED');
    expect(err?.message).toContain('native module missing');
  });
});

describe('the reconnect cycle is bounded', () => {
  it('a server that accepts every Resume but never ACKs heartbeats: resumes fall back to fresh joins, then the session gives up', () => {
    const s = session({ maxReconnectAttempts: 6, heartbeatMissLimit: 2 });
    const { outputs, scripts } = run(s, { ackHeartbeats: false, heartbeatIntervalMs: 100 }, 600_000);
    const reconnects = ofType(outputs, 'reconnecting');
    expect(scripts.reduce((n, x) => n + x.resumes, 0)).toBeGreaterThan(0); // the server did accept resumes
    expect(reconnects.some((r) => r.resume)).toBe(true);
    expect(reconnects.some((r) => !r.resume && r.reason.includes('joining fresh'))).toBe(true);
    expect(reconnects.length).toBe(6);
    expect(terminal(outputs)?.code).toBe('E_RECONNECT_EXHAUSTED');
  });

  it('a server that ACKs resets the budget: the same drops with ACKs in between never exhaust it', () => {
    const net = network();
    const a = client(net, 0, { ...FAST });
    joinAll(net, [a]);
    for (let i = 0; i < 6; i++) {
      net.server.closeSocket(USERS[0], 4015);
      expect(net.runUntil(() => a.session.state === 'ready', 5_000)).toBe(true);
      net.runFor(15_000); // a heartbeat and its ACK prove the link live again
    }
    expect(a.session.state).toBe('ready');
  });
});

describe('transport failures are session inputs', () => {
  it('a new voice server while the bot has no channel waits within the join timeout, not forever', () => {
    // Each state carries its own deadline: signalling again after a server switch has the join timeout too (a
    // connected session that switched servers while its voice state named no channel used to wait with no timer).
    const s = session({ joinTimeoutMs: 5_000 });
    s.join(0);
    s.handleVoiceStateUpdate({ guild_id: GUILD, channel_id: CHANNEL, user_id: '1000', session_id: 'sid' }, 1);
    s.handleVoiceServerUpdate({ guild_id: GUILD, token: 'tok', endpoint: 'voice.example.com:443' }, 1);
    expect(drain(s).some((o) => o.type === 'ws-connect')).toBe(true);
    expect(s.state).toBe('connecting');
    s.handleVoiceStateUpdate({ guild_id: GUILD, channel_id: null, user_id: '1000', session_id: 'sid' }, 2);
    s.handleVoiceServerUpdate({ guild_id: GUILD, token: 'tok2', endpoint: 'voice2.example.com:443' }, 3);
    drain(s);
    expect(s.state).toBe('signalling');
    expect(s.pendingTimers()).toEqual([{ name: 'join', at: 5_003 }]);
    s.handleTimeout(5_003);
    expect(terminal(drain(s))?.code).toBe('E_JOIN_TIMEOUT');
    expect(s.state).toBe('disconnected');
  });

  it('a rejected certificate is terminal (E_TLS) with the cause, never retried', () => {
    const s = session();
    s.join(0);
    s.handleVoiceStateUpdate({ guild_id: GUILD, channel_id: CHANNEL, user_id: '1000', session_id: 'sid' }, 1);
    s.handleVoiceServerUpdate({ guild_id: GUILD, token: 'tok', endpoint: 'voice.example.com:443' }, 1);
    const ws = drain(s).find((o) => o.type === 'ws-connect') as Extract<SessionOutput, { type: 'ws-connect' }>;
    s.handleWsClose(ws.id, 1006, 2, { kind: 'tls', message: 'self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT)' });
    const out = drain(s);
    expect(terminal(out)?.code).toBe('E_TLS');
    expect(terminal(out)?.message).toContain('DEPTH_ZERO_SELF_SIGNED_CERT');
    expect(ofType(out, 'reconnecting')).toHaveLength(0);
    s.handleTimeout(120_000);
    expect(drain(s).some((o) => o.type === 'ws-connect')).toBe(false);
  });

  it('an oversized message starts a fresh connection with the reason', () => {
    const s = session();
    const { outputs } = run(s, { afterSessionDescription: () => {} }, 100);
    const ws = [...outputs].reverse().find((o) => o.type === 'ws-connect') as Extract<SessionOutput, { type: 'ws-connect' }>;
    s.handleWsClose(ws.id, 1009, 200, { kind: 'too-large', message: 'Max payload size exceeded' });
    const r = ofType(drain(s), 'reconnecting')[0];
    expect(r?.resume).toBe(false);
    expect(r?.reason).toContain('size limit');
  });

  it('a failed UDP connect reconnects; a flood of refused sends is counted and warned about at a bounded rate', () => {
    const s = session();
    const { outputs } = run(s, {}, 100);
    const udp = outputs.find((o) => o.type === 'udp-connect') as Extract<SessionOutput, { type: 'udp-connect' }>;
    for (let i = 0; i < 100; i++) s.handleUdpFailure(udp.id, { kind: 'network', message: 'send ECONNREFUSED 127.0.0.1:50000', fatal: false }, 200 + i * 10);
    const out = drain(s);
    const warnings = ofType(out, 'warning').filter((w) => w.code === 'E_UDP');
    expect(warnings.length).toBe(5);
    expect(s.stats().udpErrors).toBe(100);
    expect(s.stats().warningsSuppressed).toBe(95);
    s.handleUdpFailure(udp.id, { kind: 'network', message: 'connect EACCES 255.255.255.255:9', fatal: true }, 1_300);
    const r = ofType(drain(s), 'reconnecting')[0];
    expect(r?.resume).toBe(false);
    expect(r?.reason).toContain('EACCES');
  });

  it("sendOpusFrame tells the truth while resuming: false once a UDP error says the server may be gone", () => {
    const s = session();
    const { outputs } = run(s, {}, 100);
    const ws = [...outputs].reverse().find((o) => o.type === 'ws-connect') as Extract<SessionOutput, { type: 'ws-connect' }>;
    const udp = outputs.find((o) => o.type === 'udp-connect') as Extract<SessionOutput, { type: 'udp-connect' }>;
    s.handleWsClose(ws.id, 1006, 200);
    drain(s);
    expect(s.state).toBe('resuming');
    expect(s.sendOpusFrame(new Uint8Array([0xfc, 1, 2, 3]), 210)).toBe(true); // UDP still believed fine
    s.handleUdpFailure(udp.id, { kind: 'network', message: 'ECONNREFUSED', fatal: false }, 220);
    expect(s.sendOpusFrame(new Uint8Array([0xfc, 1, 2, 3]), 230)).toBe(false);
  });
});

describe('wsScheme and secrets', () => {
  it("wsScheme 'ws' is refused for a voice server that is not on this machine (E_INSECURE_TRANSPORT), allowed on loopback", () => {
    for (const [endpoint, allowed] of [['voice.example.com:443', false], ['10.0.0.5:443', false], ['127.0.0.1:4443', true], ['[::1]:4443', true], ['localhost:4443', true]] as const) {
      const s = session({ wsScheme: 'ws' });
      s.join(0);
      s.handleVoiceStateUpdate({ guild_id: GUILD, channel_id: CHANNEL, user_id: '1000', session_id: 'sid' }, 1);
      s.handleVoiceServerUpdate({ guild_id: GUILD, token: 'tok', endpoint }, 1);
      const out = drain(s);
      expect(out.some((o) => o.type === 'ws-connect'), endpoint).toBe(allowed);
      if (!allowed) expect(terminal(out)?.code).toBe('E_INSECURE_TRANSPORT');
    }
  });

  it('an endpoint that would break the URL is ignored with a warning', () => {
    const s = session();
    s.join(0);
    s.handleVoiceServerUpdate({ guild_id: GUILD, token: 'tok', endpoint: 'evil host/../?x' }, 1);
    const out = drain(s);
    expect(ofType(out, 'warning').some((w) => w.code === 'E_BAD_VOICE_SERVER')).toBe(true);
  });

  it('util.inspect and JSON.stringify of a session never show the token or the session id, before or after destroy', () => {
    const s = session({ e2ee: daveProvider });
    run(s, { sessionDescription: { dave_protocol_version: 1 } }, 1_000);
    for (const phase of ['ready', 'destroyed']) {
      if (phase === 'destroyed') s.destroy(2_000);
      const texts = [inspect(s, { depth: Infinity, showHidden: true }), JSON.stringify(s), String(s)];
      for (const t of texts) {
        expect(t, phase).not.toContain(HOSTILE_TOKEN);
        expect(t, phase).not.toContain(HOSTILE_SESSION_ID);
      }
    }
  });
});

describe('replays and a dead UDP path (emulator, seeded network)', () => {
  it('a packet replayed at once or 2,000 packets later is dropped and counted, never played again', () => {
    const net = network();
    const [a, b] = [client(net, 0), client(net, 1)];
    joinAll(net, [a, b]);
    let captured: { udpId: number; data: Uint8Array } | null = null;
    net.udpTap = (c, udpId, data) => {
      if (c === b && captured === null && data.length > 40 && ((data[1] as number) & 0x7f) === 0x78) captured = { udpId, data: data.slice() };
    };
    sendFrames(net, a, 0, 10);
    expect(captured).not.toBeNull();
    const { udpId, data } = captured as unknown as { udpId: number; data: Uint8Array };
    b.session.handleUdpPacket(udpId, data, net.now); // at once
    sendFrames(net, a, 10, 2_000);
    b.session.handleUdpPacket(udpId, data, net.now); // much later (past the reorder buffer's resync distance)
    net.runFor(200);
    const got = audioFrom(b, USERS[0]);
    expect(got.length).toBe(2_010);
    expect(new Set(got).size).toBe(got.length);
    expect(b.session.stats().replayDrops).toBe(2);
  });

  it('a UDP path that goes silent after the server echoed keepalives: one warning, then a fresh connection that works', () => {
    const net = network();
    const a = client(net, 0, { keepaliveIntervalMs: 1_000, udpSilenceTimeoutMs: 4_000 });
    joinAll(net, [a]);
    net.runFor(3_000); // keepalive echoes show the server answers on UDP
    net.server.setUdpSilent(USERS[0], true);
    expect(net.runUntil(() => a.events.some((e) => e.event.type === 'warning' && e.event.code === 'E_UDP_SILENT'), 10_000)).toBe(true);
    expect(net.runUntil(() => a.session.state === 'ready', 10_000)).toBe(true);
    const warnings = a.events.filter((e) => e.event.type === 'warning' && e.event.code === 'E_UDP_SILENT');
    expect(warnings).toHaveLength(1);
    const reconnect = a.events.map((e) => e.event).find((e) => e.type === 'reconnecting');
    expect(reconnect).toMatchObject({ resume: false });
  });

  it('a server that never answers on UDP (no echoes) is not declared dead for its silence', () => {
    const net = network({ server: { echoKeepalives: false } });
    const a = client(net, 0, { keepaliveIntervalMs: 1_000, udpSilenceTimeoutMs: 4_000 });
    joinAll(net, [a]);
    net.runFor(60_000);
    expect(a.session.state).toBe('ready');
    expect(a.events.some((e) => e.event.type === 'reconnecting')).toBe(false);
  });

  it('the emulator binds a session to the socket that discovered first: a spoofed discovery with its SSRC changes nothing', () => {
    const net = network();
    const [a, b] = [client(net, 0), client(net, 1)];
    joinAll(net, [a, b]);
    const ssrcB = (b.events.map((e) => e.event).find((e) => e.type === 'ready') as { ssrc: number }).ssrc;
    net.server.handleUdp({ address: '127.0.0.66', port: 6666 }, encodeIpDiscoveryRequest(ssrcB), net.now);
    net.drainAll();
    sendFrames(net, b, 0, 50);
    net.runFor(200);
    expect(audioFrom(a, USERS[1])).toHaveLength(50);
    expect(net.server.stats.spoofedDiscoveries).toBe(1);
  });
});

function drain(s: VoiceSession): SessionOutput[] {
  const out: SessionOutput[] = [];
  for (let o = s.poll(); o.type !== 'timer'; o = s.poll()) out.push(o);
  return out;
}
