// What @voicewire/discordjs does better than @discordjs/voice 0.19.2, one test per claim in its README, against the
// local emulator (wss, DAVE). The bot code is the same @discordjs/voice-style code as in bot.test.ts.
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { inspect } from 'node:util';
import { sodiumProvider } from '@voicewire/crypto-sodium';
import { startVoiceServer, type VoiceServer } from '@voicewire/voice-server';
import { sleep, until } from '@voicewire/testkit';
import { getVoiceConnections as nativeConnections } from 'voicewire';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  AudioPlayerStatus,
  createAudioPlayer,
  createAudioResource,
  entersState,
  generateDependencyReport,
  getGroups,
  getVoiceConnection,
  getVoiceConnections,
  joinVoiceChannel,
  StreamType,
  VoiceConnectionDisconnectReason,
  VoiceConnectionStatus,
  type VoiceConnection,
  type VoiceConnectionState,
} from '../src/index.js';

const GUILD = '41771983423143937';
const CHANNEL = '127121515262115840';
const A = '104694319306248192';
const B = '158049329150427136';
const certificate = () => JSON.parse(readFileSync(process.env.VOICEWIRE_TEST_CERTIFICATE as string, 'utf8'));

let server: VoiceServer | null = null;
const conns: VoiceConnection[] = [];
afterEach(async () => {
  for (const c of conns.splice(0)) c.destroy();
  await server?.close();
  server = null;
  vi.restoreAllMocks();
});

async function start(options: Parameters<typeof startVoiceServer>[0] = {}): Promise<VoiceServer> {
  server = await startVoiceServer({ certificate: certificate(), heartbeatIntervalMs: 1_000, ...options });
  return server;
}
function join(userId: string, selfDeaf = true): VoiceConnection {
  const c = joinVoiceChannel({ guildId: GUILD, channelId: CHANNEL, adapterCreator: (server as VoiceServer).adapterCreator(userId, GUILD) as never, group: userId, selfDeaf });
  conns.push(c);
  return c;
}
/** n distinct Opus packets (1-byte payloads a listener can tell apart). */
const packets = (n: number) => Array.from({ length: n }, (_, i) => Buffer.from([0xfc, i & 0xff, i >> 8, 1, 2]));

async function pair(): Promise<{ a: VoiceConnection; b: VoiceConnection; got: number[] }> {
  const a = join(A);
  const b = join(B, false);
  await Promise.all([entersState(a, VoiceConnectionStatus.Ready, 10e3), entersState(b, VoiceConnectionStatus.Ready, 10e3)]);
  await Promise.all([a.voicewire.ready({ e2ee: true, timeoutMs: 5_000 }), b.voicewire.ready({ e2ee: true, timeoutMs: 5_000 })]);
  const got: number[] = [];
  b.receiver.subscribe(A).on('data', (p: Buffer) => p.length === 5 && got.push((p[1] as number) | ((p[2] as number) << 8)));
  return { a, b, got };
}

describe('@voicewire/discordjs: what it does better than @discordjs/voice', () => {
  it('close codes follow a policy: 4021 (rate limited) is not rejoined at once — Disconnected, with the reason', async () => {
    await start();
    const c = join(A);
    await entersState(c, VoiceConnectionStatus.Ready, 10e3);
    const seen: VoiceConnectionStatus[] = [];
    c.on('stateChange', (_o, n) => seen.push(n.status));
    server?.closeSocket(A, 4021);
    const state = (await entersState(c, VoiceConnectionStatus.Disconnected, 5_000)).state as VoiceConnectionState & { closeCode?: number; error?: Error };
    await sleep(500); // time is the subject: no rejoin may start in the half second after a 4021
    // @discordjs/voice answers every close but 4014 with an immediate rejoin (Signalling) — into a rate limit.
    expect(seen).not.toContain(VoiceConnectionStatus.Signalling);
    expect(state).toMatchObject({ reason: VoiceConnectionDisconnectReason.WebSocketClose, closeCode: 4021 });
    expect(state.error?.message).toMatch(/rate limited/i);
  });

  it('rejoin() after a manual disconnect or a 4014 moves Disconnected → Signalling in one step, then back to Ready', async () => {
    await start();
    const c = join(A);
    await entersState(c, VoiceConnectionStatus.Ready, 10e3);
    const during = (run: () => void): string[] => {
      const seen: string[] = [];
      const on = (o: VoiceConnectionState, n: VoiceConnectionState) => seen.push(`${o.status}→${n.status}`);
      c.on('stateChange', on);
      run();
      c.off('stateChange', on);
      return seen;
    };
    // a manual disconnect: the native connection is disconnected
    expect(during(() => c.disconnect())).toEqual(['ready→disconnected']);
    expect(during(() => expect(c.rejoin({ channelId: CHANNEL, selfDeaf: true, selfMute: false })).toBe(true))).toEqual(['disconnected→signalling']);
    await entersState(c, VoiceConnectionStatus.Ready, 10e3);
    // 4014: the native connection waits for a new server; rejoin() leaves that wait and joins again, one step here too
    server?.closeSocket(A, 4014);
    await entersState(c, VoiceConnectionStatus.Disconnected, 5_000);
    expect(c.voicewire.state).toBe('waiting-for-server');
    expect(during(() => c.rejoin())).toEqual(['disconnected→signalling']);
    await entersState(c, VoiceConnectionStatus.Ready, 10e3);
    expect(c.rejoinAttempts).toBe(0);
  });

  it('a session that is no longer valid (4006) rejoins fresh, with backoff counted in the stats', async () => {
    await start();
    const c = join(A);
    await entersState(c, VoiceConnectionStatus.Ready, 10e3);
    const reconnects: { resume: boolean }[] = [];
    c.voicewire.on('reconnecting', (r) => reconnects.push(r));
    server?.closeSocket(A, 4006);
    await entersState(c, VoiceConnectionStatus.Connecting, 5_000).catch(() => entersState(c, VoiceConnectionStatus.Signalling, 5_000));
    await entersState(c, VoiceConnectionStatus.Ready, 10e3);
    expect(reconnects).toEqual([expect.objectContaining({ resume: false })]);
    expect(c.voicewire.stats.reconnects).toBe(1);
  });

  it('the voice server crashes (4015): the WebSocket resumes (op 7 with seq_ack) without a fresh join, and playback carries on', async () => {
    await start();
    const { a, got } = await pair();
    const player = createAudioPlayer();
    a.subscribe(player);
    const seen: VoiceConnectionStatus[] = [];
    a.on('stateChange', (_o, n) => seen.push(n.status));
    player.play(createAudioResource(Readable.from(packets(75), { objectMode: true }), { inputType: StreamType.Opus }));
    await entersState(player, AudioPlayerStatus.Playing, 5_000);
    await until(() => got.length >= 10, 5_000, 'the listener to hear the first ten packets');
    server?.closeSocket(A, 4015);
    await entersState(player, AudioPlayerStatus.Idle, 10e3);
    await until(() => got.length >= 70, 5_000, 'the listener to hear the packets sent around the resume');
    expect(a.voicewire.stats.resumes).toBe(1);
    expect(seen).not.toContain(VoiceConnectionStatus.Signalling);
    // UDP and keys stay valid through a resume; what the player sent while the socket was down was still sent
    expect(got.length).toBeGreaterThanOrEqual(70);
    expect(got.slice(0, 10)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('XChaCha20-Poly1305 (a server that offers only it) plays through sodium-native 5, where @discordjs/voice 0.19.2 throws a RangeError', async () => {
    await start({ crypto: sodiumProvider }); // the emulator offers the modes of its provider: XChaCha only
    const { a, got } = await pair();
    expect((a.voicewire.toJSON().session as { mode: string }).mode).toBe('aead_xchacha20_poly1305_rtpsize');
    const player = createAudioPlayer();
    a.subscribe(player);
    player.play(createAudioResource(Readable.from(packets(25), { objectMode: true }), { inputType: StreamType.Opus }));
    await entersState(player, AudioPlayerStatus.Playing, 5_000);
    await entersState(player, AudioPlayerStatus.Idle, 5_000);
    await until(() => got.length >= 25, 5_000, 'the listener to hear the 25 packets');
    expect(got).toEqual(Array.from({ length: 25 }, (_, i) => i));
  });

  it('stats: packets sent and received, round trips, DAVE — on connection.voicewire.stats and connection.ping', async () => {
    await start();
    const { a, b } = await pair();
    const player = createAudioPlayer();
    a.subscribe(player);
    player.play(createAudioResource(Readable.from(packets(25), { objectMode: true }), { inputType: StreamType.Opus }));
    await entersState(player, AudioPlayerStatus.Playing, 5_000);
    await entersState(player, AudioPlayerStatus.Idle, 5_000);
    // one heartbeat round trip on each socket, and the last packets through the relay
    await until(() => a.ping.ws !== undefined && a.ping.udp !== undefined && b.voicewire.stats.packetsReceived >= 25, 10_000, 'a WebSocket and a UDP round trip, and 25 packets received');
    expect(a.voicewire.stats.packetsSent).toBeGreaterThanOrEqual(25);
    expect(b.voicewire.stats.packetsReceived).toBeGreaterThanOrEqual(25);
    expect(a.voicewire.stats.daveProtocolVersion).toBe(1);
    expect(a.ping.ws).toBeGreaterThanOrEqual(0);
    expect(a.ping.udp).toBeGreaterThanOrEqual(0);
    expect(a.voicePrivacyCode).toMatch(/^\d{30}$/);
  });

  it("a resource that fails with no 'error' listener is a warning, not a crash; the player goes Idle", async () => {
    await start();
    const { a } = await pair();
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const player = createAudioPlayer();
    a.subscribe(player);
    // bytes that are not WebM, declared as WebM
    player.play(createAudioResource(Readable.from([Buffer.from('this is not a webm file at all')]), { inputType: StreamType.WebmOpus }));
    // (not entersState: events.once listens for 'error' itself, which would count as a listener)
    await until(() => player.state.status === AudioPlayerStatus.Idle, 5_000, 'the player to go Idle');
    expect(player.state.status).toBe(AudioPlayerStatus.Idle);
    expect(String(warn.mock.calls[0]?.[0])).toMatch(/E_NOT_WEBM/);
    // and with a listener, the error arrives with its resource
    const errors: { message: string; resource: unknown }[] = [];
    player.on('error', (e) => errors.push(e));
    const bad = createAudioResource(Readable.from([Buffer.from('OggS but not really an ogg page....')]), { inputType: StreamType.OggOpus });
    player.play(bad);
    // entersState rejects when the player emits 'error' on the way (events.once semantics, as in @discordjs/voice)
    await entersState(player, AudioPlayerStatus.Idle, 5_000).catch(() => {});
    await until(() => errors.length >= 1 && player.state.status === AudioPlayerStatus.Idle, 5_000, "the 'error' event and Idle");
    expect(player.state.status).toBe(AudioPlayerStatus.Idle);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.resource).toBe(bad);
  });

  it('a server that sends nonsense on the voice WebSocket is counted and ignored; the connection stays Ready', async () => {
    await start();
    const c = join(A);
    await entersState(c, VoiceConnectionStatus.Ready, 10e3);
    server?.sendRaw(A, '{"op": 9999, "d": {"x": [1, 2, 3]}}');
    server?.sendRaw(A, 'not json at all {');
    server?.sendRaw(A, Uint8Array.of(1, 2, 3));
    await until(() => c.voicewire.stats.unknownOpcodes + c.voicewire.stats.malformedMessages >= 2, 5_000, 'the nonsense to be counted');
    expect(c.state.status).toBe(VoiceConnectionStatus.Ready);
    const s = c.voicewire.stats;
    expect(s.unknownOpcodes + s.malformedMessages).toBeGreaterThanOrEqual(2);
  });

  it('destroy() twice is a no-op, and a connection prints no secrets (util.inspect, JSON)', async () => {
    await start();
    const c = join(A);
    await entersState(c, VoiceConnectionStatus.Ready, 10e3);
    const text = `${inspect(c, { depth: 10 })} ${JSON.stringify(c)}`;
    expect(text).not.toMatch(/token|session_id|secret/i);
    c.destroy();
    expect(() => c.destroy()).not.toThrow();
    expect(c.state.status).toBe(VoiceConnectionStatus.Destroyed);
  });

  it('one registry under both APIs: groups, lookups and removal on destroy, as @discordjs/voice answers them', async () => {
    await start();
    const a = join(A);
    const b = join(B);
    expect(getVoiceConnection(GUILD, A)).toBe(a);
    expect(getVoiceConnection(GUILD, B)).toBe(b);
    expect(getVoiceConnection(GUILD)).toBeUndefined();
    expect(getVoiceConnections()).toEqual(new Map()); // 'default' always exists
    expect(getVoiceConnections('no such group')).toBeUndefined();
    expect([...getGroups().keys()].sort()).toEqual([A, B, 'default'].sort());
    expect(getVoiceConnections(A)?.get(GUILD)).toBe(a);
    // the native registry holds the same connections, under the drop-in's own groups
    expect(nativeConnections().filter((n) => n.group.startsWith('@voicewire/discordjs:')).map((n) => n.group).sort()).toEqual([`@voicewire/discordjs:${A}`, `@voicewire/discordjs:${B}`].sort());
    a.destroy();
    expect(getVoiceConnection(GUILD, A)).toBeUndefined();
    expect(getGroups().has(A)).toBe(false);
    expect(getVoiceConnection(GUILD, B)).toBe(b);
  });

  it("after destroy() every method keeps @discordjs/voice's answers for 'nothing done', and none throws", async () => {
    await start();
    const c = join(A);
    await entersState(c, VoiceConnectionStatus.Ready, 10e3);
    const player = createAudioPlayer();
    c.destroy();
    expect(c.subscribe(player)).toBeUndefined();
    expect(c.playOpusPacket(Buffer.from([0xfc, 1, 2]))).toBeUndefined();
    expect(c.setSpeaking(true)).toBe(false);
    expect(c.setSpeaking(false)).toBe(false);
    expect(c.disconnect()).toBe(false);
    expect(c.rejoin()).toBe(false);
    expect(c.rejoin({ channelId: '1', selfDeaf: false, selfMute: true })).toBe(false);
    expect(c.ping).toEqual({ ws: undefined, udp: undefined });
    await expect(c.getVerificationCode(B)).rejects.toMatchObject({ code: 'E_DESTROYED' });
    expect(c.state.status).toBe(VoiceConnectionStatus.Destroyed);
    expect(c.rejoinAttempts).toBe(0);
  });

  it('generateDependencyReport() names what voicewire runs on: transport, crypto provider, DAVE, Opus codec, ffmpeg', () => {
    const r = generateDependencyReport();
    expect(r).toMatch(/transport: node/);
    expect(r).toMatch(/crypto provider: (sodium|node)/);
    expect(r).toMatch(/DAVE: davey, protocol version 1/);
    expect(r).toMatch(/@discordjs\/opus|opusscript/);
    expect(r).toMatch(/FFmpeg\n- /);
  });
});
