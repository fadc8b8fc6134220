import { describe, expect, it } from 'vitest';
import { LocalProtocolError, SESSION_TRANSITIONS, type SessionStateCode } from '@voicewire/voice-protocol';
import { client, GUILD, joinAll, network, USERS } from './helpers.js';

describe('commands, leave and destroy', () => {
  it('stopSpeaking sends five silence frames 20 ms apart, then op 5 speaking 0', () => {
    const net = network({ seed: 31 });
    const a = client(net, 0);
    const b = client(net, 1);
    joinAll(net, [a, b]);
    a.session.sendOpusFrame(new Uint8Array([0xfc, 1, 2, 3]), net.now);
    net.runFor(20);
    a.session.stopSpeaking(net.now);
    net.runFor(300);
    const silences = b.events.filter((e) => e.event.type === 'audio' && e.event.userId === USERS[0] && e.event.opus.length === 3);
    expect(silences).toHaveLength(5);
    expect(silences.map((e, i) => e.at - (silences[0]?.at ?? 0) - i * 20).every((d) => Math.abs(d) <= 1)).toBe(true);
    expect(a.outputTexts.filter((t) => t.includes('"op":5') && t.includes('"speaking":0'))).toHaveLength(1);
    expect(b.events.filter((e) => e.event.type === 'user-speaking').map((e) => (e.event.type === 'user-speaking' ? e.event.speaking : null))).toEqual([true, false]);
  });

  it('frames sent while not ready are dropped and counted, not thrown', () => {
    const net = network({ seed: 32 });
    const a = client(net, 0);
    a.session.join(net.now);
    expect(a.session.sendOpusFrame(new Uint8Array([0xfc]), net.now)).toBe(false);
    expect(a.session.stats().framesDropped).toBe(1);
  });

  it('misuse throws LocalProtocolError with a message that says what to do', () => {
    const net = network({ seed: 33 });
    const a = client(net, 0);
    expect(() => a.session.sendOpusFrame(new Uint8Array(0), 0)).toThrow(LocalProtocolError);
    expect(() => a.session.sendOpusFrame(new Uint8Array(2000), 0)).toThrow(/1–1276 bytes/);
    expect(() => a.session.setSpeaking(9, 0)).toThrow(/1–7/);
    a.session.join(0);
    expect(() => a.session.join(0)).toThrow(/leave\(\) first/);
    a.session.destroy(0);
    expect(() => a.session.join(0)).toThrow(/destroyed/);
  });

  it('leave sends op 4 with channel null and closes both sockets; the session can join again', () => {
    const net = network({ seed: 34 });
    const a = client(net, 0);
    joinAll(net, [a]);
    a.session.leave(net.now);
    const outs = [];
    for (let o = a.session.poll(); o.type !== 'timer'; o = a.session.poll()) outs.push(o);
    expect(outs.map((o) => o.type)).toEqual(expect.arrayContaining(['gateway-send', 'ws-close', 'udp-close']));
    const gw = outs.find((o) => o.type === 'gateway-send');
    expect(gw && gw.type === 'gateway-send' && gw.payload.d.channel_id).toBeNull();
    expect(a.session.state).toBe('disconnected');
    a.session.join(net.now);
    expect(net.runUntil(() => a.session.state === 'ready', 5_000)).toBe(true);
  });

  it('after destroy only closing outputs remain, inputs are ignored, and the timer is cleared', () => {
    const net = network({ seed: 35 });
    const a = client(net, 0);
    joinAll(net, [a]);
    a.session.destroy(net.now);
    a.session.destroy(net.now); // idempotent
    const outs = [];
    for (let o = a.session.poll(); ; o = a.session.poll()) {
      outs.push(o);
      if (o.type === 'timer') break;
    }
    expect(outs.every((o) => ['gateway-send', 'ws-close', 'udp-close', 'event', 'timer'].includes(o.type))).toBe(true);
    expect(outs[outs.length - 1]).toEqual({ type: 'timer', at: null });
    a.session.handleWsMessage(1, '{"op":8,"d":{"heartbeat_interval":1}}', net.now + 1);
    a.session.handleTimeout(net.now + 100_000);
    expect(a.session.poll()).toEqual({ type: 'timer', at: null });
  });

  it('no secret (token, session id, key) appears in any event or non-handshake output', () => {
    const net = network({ seed: 36 });
    const a = client(net, 0);
    const b = client(net, 1);
    joinAll(net, [a, b]);
    net.server.closeSocket(USERS[0], 4015);
    net.runFor(2_000);
    net.server.closeSocket(USERS[1], 4017);
    net.runFor(2_000);
    expect(net.secrets.size).toBeGreaterThanOrEqual(6); // tokens, session ids, keys were handed out
    const texts = [...a.outputTexts, ...b.outputTexts];
    expect(texts.length).toBeGreaterThan(20);
    for (const secret of net.secrets) for (const t of texts) expect(t.includes(secret), `a secret leaked into: ${t.slice(0, 80)}`).toBe(false);
  });
});

describe('the session reads from tables', () => {
  it('timers: only what the state needs is armed, by name; destroy disarms all', () => {
    const net = network({ seed: 33 });
    const a = client(net, 0);
    const b = client(net, 1);
    expect(a.session.pendingTimers()).toEqual([]);
    const c = client(net, 2);
    c.session.join(net.now);
    expect(c.session.pendingTimers().map((t) => t.name)).toEqual(['join']); // waiting for the two main-gateway updates
    c.session.destroy(net.now);
    joinAll(net, [a, b]);
    const ready = a.session.pendingTimers().map((t) => t.name);
    expect(ready).toContain('heartbeat');
    expect(ready).toContain('udp-keepalive');
    expect(ready).not.toContain('join');
    expect(ready).not.toContain('connect');
    // the drain's timer output is the earliest of the table
    let last = a.session.poll();
    while (last.type !== 'timer') last = a.session.poll();
    expect(last.at).toBe(Math.max(net.now, Math.min(...a.session.pendingTimers().map((t) => t.at))));
    a.session.sendOpusFrame(new Uint8Array([0xfc, 1, 2, 3]), net.now);
    a.session.stopSpeaking(net.now);
    expect(a.session.pendingTimers().map((t) => t.name)).toContain('silence-tail');
    a.session.destroy(net.now);
    expect(a.session.pendingTimers()).toEqual([]);
  });

  it('a command between drains still meets every due timer: frames alone carry the heartbeat, an input before a drain sends the next silence frame', () => {
    const net = network({ seed: 35 });
    const a = client(net, 0);
    const b = client(net, 1);
    joinAll(net, [a, b]);
    const s = a.session;
    // RTP packets (voice, silence) only: keepalives come on their own timer
    const drain = (): { udp: number; heartbeats: number } => {
      const got = { udp: 0, heartbeats: 0 };
      for (let o = s.poll(); o.type !== 'timer'; o = s.poll()) {
        if (o.type === 'udp-send' && o.data.length > 12 && ((o.data[0] as number) & 0xc0) === 0x80) got.udp++;
        if (o.type === 'ws-send' && typeof o.data === 'string' && o.data.includes('"op":3')) got.heartbeats++;
      }
      return got;
    };
    drain();
    const frame = new Uint8Array([0xfc, 1, 2, 3]);
    const heartbeatAt = s.pendingTimers().find((t) => t.name === 'heartbeat')?.at as number;
    // frames only, the caller never firing the timer: the heartbeat goes out with the first frame at its deadline
    let t = net.now;
    while (t + 20 < heartbeatAt) {
      t += 20;
      s.sendOpusFrame(frame, t);
      expect(drain()).toEqual({ udp: 1, heartbeats: 0 });
    }
    s.sendOpusFrame(frame, heartbeatAt);
    expect(drain()).toEqual({ udp: 1, heartbeats: 1 });
    // a command that arms an earlier timer, then an input before any drain: the second silence frame is due and sent
    s.stopSpeaking(heartbeatAt + 1);
    s.handleTimeout(heartbeatAt + 21);
    expect(drain().udp).toBe(2);
  });

  it('transitions: the happy path and a reconnect are moves of SESSION_TRANSITIONS, and no state is a dead end', () => {
    const net = network({ seed: 34 });
    const a = client(net, 0);
    const b = client(net, 1);
    joinAll(net, [a, b]);
    net.server.closeSocket(USERS[0] as string, 4015);
    net.runFor(5_000);
    const moves = a.events.flatMap((e) => (e.event.type === 'state' ? [[e.event.from, e.event.to] as const] : []));
    expect(moves.slice(0, 6).map(([, to]) => to)).toEqual(['signalling', 'connecting', 'identifying', 'discovering', 'selecting-protocol', 'ready']);
    expect(moves.map(([, to]) => to)).toContain('resuming');
    for (const [from, to] of moves) expect(SESSION_TRANSITIONS[to], `${from} → ${to}`).toContain(from);
    expect(a.session.stats().illegalTransitions).toBe(0);
    // every state but the terminal one can be left, and every state but idle can be entered
    const states = Object.keys(SESSION_TRANSITIONS) as SessionStateCode[];
    for (const s of states) {
      if (s !== 'destroyed') expect(states.some((to) => SESSION_TRANSITIONS[to].includes(s)), `${s} is a dead end`).toBe(true);
      if (s !== 'idle') expect(SESSION_TRANSITIONS[s].length, `${s} cannot be entered`).toBeGreaterThan(0);
    }
  });

  it('inputs as data: session.handle(input) gives the very run the handle* methods give (join, audio, a 4015 resume, a migration)', () => {
    const run = (inputsAsData: boolean): string[] => {
      const net = network({ seed: 35, inputsAsData, link: { udpJitterMs: 3, udpLoss: 0.05 } });
      const a = client(net, 0);
      const b = client(net, 1);
      joinAll(net, [a, b]);
      for (let i = 0; i < 20; i++) {
        a.session.sendOpusFrame(new Uint8Array([0xfc, i, 1, 2]), net.now);
        net.runFor(20);
      }
      net.server.closeSocket(USERS[0] as string, 4015);
      net.runFor(3_000);
      net.server.changeEndpoint(GUILD, 'voice2.local:2048');
      net.runFor(5_000);
      return [...a.outputTexts, '|', ...b.outputTexts];
    };
    const viaMethods = run(false);
    expect(viaMethods.some((t) => t.includes('"type":"resumed"'))).toBe(true);
    expect(run(true)).toEqual(viaMethods);
  });
});

