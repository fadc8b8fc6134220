import { describe, expect, it } from 'vitest';
import type { SessionEvent } from '@voicewire/voice-protocol';
import { audioFrom, CHANNEL, client, GUILD, joinAll, network, sendFrames, USERS } from './helpers.js';

const last = <T>(xs: T[]): T | undefined => xs[xs.length - 1];
const disconnectedError = (events: SessionEvent[]) => {
  const d = last(events.filter((e) => e.type === 'disconnected'));
  return d && d.type === 'disconnected' ? d.error : undefined;
};

describe('VoiceSession faults (docs/protocol.md §5–§7, §2.4)', () => {
  it('resumes after the server drops the socket and replays the messages it missed, once', () => {
    const net = network({ seed: 11 });
    const a = client(net, 0);
    const b = client(net, 1);
    joinAll(net, [a, b]);
    net.server.closeSocket(USERS[0], 4015); // voice server crashed: resumable
    // While a is away, c joins: the server sends a numbered op 11 that a must get through the replay.
    const c = client(net, 2);
    c.session.join(net.now);
    expect(net.runUntil(() => a.session.state === 'ready' && c.session.state === 'ready', 10_000)).toBe(true);
    net.runFor(100);
    expect(net.eventsOf(a, 'resumed')).toHaveLength(1);
    const connects = net.eventsOf(a, 'client-connect').flatMap((e) => e.userIds);
    expect(connects.filter((u) => u === USERS[2])).toHaveLength(1);
    // a did not Identify again: one Ready only
    expect(net.eventsOf(a, 'ready')).toHaveLength(1);
    // audio still flows after the resume, and op 5 went out again before it
    sendFrames(net, a, 0, 20);
    net.runFor(100);
    expect(audioFrom(b, USERS[0])).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('detects a silent socket through missed heartbeat ACKs and resumes', () => {
    const net = network({ seed: 12, server: { heartbeatIntervalMs: 1000 } });
    const a = client(net, 0);
    joinAll(net, [a]);
    net.server.setAcking(USERS[0], false);
    expect(net.runUntil(() => net.eventsOf(a, 'reconnecting').length > 0, 10_000)).toBe(true);
    const r = net.eventsOf(a, 'reconnecting')[0];
    expect(r).toMatchObject({ resume: true, reason: expect.stringContaining('no heartbeat ACK') });
    net.server.setAcking(USERS[0], true);
    expect(net.runUntil(() => net.eventsOf(a, 'resumed').length === 1, 5_000)).toBe(true);
    expect(a.session.stats().heartbeatsMissed).toBeGreaterThanOrEqual(2);
    net.runFor(1_500); // one heartbeat on the new socket
    expect(a.session.stats().wsRttMs).toBe(10); // two 5 ms WS hops
  });

  it('a dropped socket (no close frame) is noticed through heartbeats and resumed', () => {
    const net = network({ seed: 13, server: { heartbeatIntervalMs: 1000 } });
    const a = client(net, 0);
    joinAll(net, [a]);
    net.server.dropSocket(USERS[0]);
    expect(net.runUntil(() => net.eventsOf(a, 'resumed').length === 1, 10_000)).toBe(true);
    expect(a.session.state).toBe('ready');
  });

  it.each([
    [4015, 'resume'],
    [4013, 'resume'],
    [1001, 'resume'],
  ])('close %i → resume', (code) => {
    const net = network({ seed: code });
    const a = client(net, 0);
    joinAll(net, [a]);
    net.server.closeSocket(USERS[0], code);
    expect(net.runUntil(() => net.eventsOf(a, 'resumed').length === 1, 5_000)).toBe(true);
    expect(net.eventsOf(a, 'ready')).toHaveLength(1);
  });

  it.each([4006, 4009])('close %i → fresh join (op 4 again, new token, Identify)', (code) => {
    const net = network({ seed: code });
    const a = client(net, 0);
    joinAll(net, [a]);
    net.server.closeSocket(USERS[0], code);
    expect(net.runUntil(() => net.eventsOf(a, 'ready').length === 2, 10_000)).toBe(true);
    expect(net.eventsOf(a, 'resumed')).toHaveLength(0);
    const states = net.eventsOf(a, 'state').map((e) => e.to);
    expect(states.slice(-7)).toEqual(['backoff', 'signalling', 'connecting', 'identifying', 'discovering', 'selecting-protocol', 'ready']);
  });

  it.each([
    [4014, 'E_DISCONNECTED'],
    [4022, 'E_CALL_TERMINATED'],
  ] as const)('close %i → no reconnect; disconnected with %s when no new server comes', (code, errorCode) => {
    const net = network({ seed: code });
    const a = client(net, 0, { waitForServerMs: 3_000 });
    joinAll(net, [a]);
    net.server.closeSocket(USERS[0], code);
    expect(net.runUntil(() => a.session.state === 'waiting-for-server', 1_000)).toBe(true);
    expect(net.runUntil(() => a.session.state === 'disconnected', 5_000)).toBe(true);
    const err = disconnectedError(a.events.map((e) => e.event));
    expect(err).toMatchObject({ code: errorCode, closeCode: code });
    expect(err?.message).toMatch(/join again/);
    expect(net.eventsOf(a, 'reconnecting')).toHaveLength(0);
  });

  it.each([
    [4017, 'E_DAVE_REQUIRED', /DAVE/],
    [4021, 'E_RATE_LIMITED', /rate limited/],
    [4001, 'E_CLIENT_BUG', /opcode/],
    [4016, 'E_CLIENT_BUG', /encryption mode/],
  ] as const)('close %i → terminal %s with a reason', (code, errorCode, text) => {
    const net = network({ seed: code });
    const a = client(net, 0);
    joinAll(net, [a]);
    net.server.closeSocket(USERS[0], code);
    expect(net.runUntil(() => a.session.state === 'disconnected', 2_000)).toBe(true);
    const err = disconnectedError(a.events.map((e) => e.event));
    expect(err).toMatchObject({ code: errorCode, closeCode: code });
    expect(err?.message).toMatch(text);
    expect(net.eventsOf(a, 'reconnecting')).toHaveLength(0);
  });

  it('endpoint change: tears down and Identifies fresh against the new endpoint, never resumes', () => {
    const net = network({ seed: 21 });
    const a = client(net, 0);
    const b = client(net, 1);
    joinAll(net, [a, b]);
    const sentBefore = a.outputTexts.length;
    net.server.changeEndpoint(GUILD, 'sweetwater-12345.discord.media:2087');
    expect(net.runUntil(() => net.eventsOf(a, 'ready').length === 2 && net.eventsOf(b, 'ready').length === 2, 10_000)).toBe(true);
    expect(net.eventsOf(a, 'resumed')).toHaveLength(0);
    expect(a.outputTexts.slice(sentBefore).some((t) => t.includes('"op":7'))).toBe(false);
    net.runFor(100);
    sendFrames(net, a, 0, 10);
    net.runFor(100);
    expect(audioFrom(b, USERS[0]).slice(-10)).toEqual(Array.from({ length: 10 }, (_, i) => i));
  });

  it('null endpoint: waits for a new server, then connects to it', () => {
    const net = network({ seed: 22 });
    const a = client(net, 0);
    joinAll(net, [a]);
    net.server.changeEndpoint(GUILD, null);
    expect(net.runUntil(() => a.session.state === 'waiting-for-server', 1_000)).toBe(true);
    net.runFor(2_000);
    expect(a.session.state).toBe('waiting-for-server');
    net.server.changeEndpoint(GUILD, 'voice-b.local:443');
    expect(net.runUntil(() => net.eventsOf(a, 'ready').length === 2, 5_000)).toBe(true);
  });

  it('null endpoint and no new server: a clear terminal error, not a hang', () => {
    const net = network({ seed: 23 });
    const a = client(net, 0, { waitForServerMs: 2_000 });
    joinAll(net, [a]);
    net.server.changeEndpoint(GUILD, null);
    expect(net.runUntil(() => a.session.state === 'disconnected', 5_000)).toBe(true);
    expect(disconnectedError(a.events.map((e) => e.event))).toMatchObject({ code: 'E_ENDPOINT_UNREACHABLE' });
  });

  it('channel full: no answer to op 4 → E_JOIN_TIMEOUT after the join timeout', () => {
    const net = network({ seed: 24 });
    net.server.setChannelFull(CHANNEL, true);
    const a = client(net, 0, { joinTimeoutMs: 3_000 });
    a.session.join(net.now);
    expect(net.runUntil(() => a.session.state === 'disconnected', 10_000)).toBe(true);
    expect(net.now).toBeGreaterThanOrEqual(3_000);
    const err = disconnectedError(a.events.map((e) => e.event));
    expect(err).toMatchObject({ code: 'E_JOIN_TIMEOUT' });
    expect(err?.message).toMatch(/channel may be full/);
  });

  it('an unreachable endpoint: bounded reconnect attempts, then E_RECONNECT_EXHAUSTED', () => {
    const net = network({ seed: 25 });
    net.unreachable.add('voice.local:2048');
    const a = client(net, 0, { maxReconnectAttempts: 3, reconnectBaseMs: 100 });
    a.session.join(net.now);
    expect(net.runUntil(() => a.session.state === 'disconnected', 60_000)).toBe(true);
    expect(net.eventsOf(a, 'reconnecting')).toHaveLength(3);
    expect(disconnectedError(a.events.map((e) => e.event))).toMatchObject({ code: 'E_RECONNECT_EXHAUSTED' });
  });

  it('IP discovery that is never answered is retried, then counts as a failed attempt', () => {
    const net = network({ seed: 26, link: { udpLoss: 1 } });
    const a = client(net, 0, { maxReconnectAttempts: 1, reconnectBaseMs: 100, ipDiscoveryAttempts: 3, ipDiscoveryRetryMs: 200 });
    a.session.join(net.now);
    expect(net.runUntil(() => a.session.state === 'disconnected', 30_000)).toBe(true);
    expect(disconnectedError(a.events.map((e) => e.event))?.message).toMatch(/IP discovery/);
  });

  it('malformed server messages become warnings and counters; the session carries on', () => {
    const net = network({ seed: 27 });
    const a = client(net, 0);
    const b = client(net, 1);
    joinAll(net, [a, b]);
    for (const bad of ['{', '{"op":2,"d":{"ssrc":"x"}}', '[]', '{"op":5,"d":{"speaking":1}}', '{"op":4242,"d":{}}']) net.server.sendRaw(USERS[1], bad);
    net.server.sendRaw(USERS[1], new Uint8Array([1]));
    net.runFor(100);
    expect(b.session.state).toBe('ready');
    expect(b.session.stats().malformedMessages).toBe(5);
    expect(b.session.stats().unknownOpcodes).toBe(1);
    expect(net.eventsOf(b, 'warning').length).toBe(5);
    sendFrames(net, a, 0, 5);
    net.runFor(100);
    expect(audioFrom(b, USERS[0])).toEqual([0, 1, 2, 3, 4]);
  });

  it('moving to another channel: new VOICE_STATE_UPDATE and VOICE_SERVER_UPDATE → fresh Identify', () => {
    const net = network({ seed: 28 });
    const a = client(net, 0);
    joinAll(net, [a]);
    // A moderator moves the bot: the main gateway sends both updates for the new channel.
    net.server.handleGatewayVoiceStateUpdate(USERS[0], { guild_id: GUILD, channel_id: '999', self_mute: false, self_deaf: false }, net.now);
    expect(net.runUntil(() => net.eventsOf(a, 'ready').length === 2, 5_000)).toBe(true);
    expect(net.eventsOf(a, 'moved')).toEqual([{ type: 'moved', channelId: '999' }]);
  });
});
