// The native API as a new user meets it, against the local emulator (wss, DAVE): destroying under a playing
// player, volume on Opus resources, player state and events, waiting for E2EE, verification codes, the
// connection registry, moves, self mute/deaf, per-guild adapters and the fault controls of the emulator.
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AudioPlayer, createFramesResource, createOggOpusFileResource, demuxOggOpus, OpusCodec, type TrackEndReason } from '@voicewire/audio';
import { getVoiceConnection, type VoiceConnection } from '@voicewire/voice';
import { createReadStream } from 'node:fs';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { recordToFile } from '@voicewire/audio';
import { CHANNEL, collect, connect, GUILD, until, writeFrames } from './e2e-helpers.js';
import { emulatorPerTest } from './emulator-per-test.js';

const A = '104694319306248192';
const B = '158049329150427136';
const CLIP = fileURLToPath(new URL('../../../apps/demo-bot/assets/clip.ogg', import.meta.url));

const emu = emulatorPerTest();
const join = emu.join;

async function clipFrames(n: number): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const f of demuxOggOpus(createReadStream(CLIP) as AsyncIterable<Uint8Array>)) {
    out.push(f);
    if (out.length === n) break;
  }
  return out;
}

function rms(frames: readonly Uint8Array[]): number {
  const codec = new OpusCodec();
  let sum = 0;
  let n = 0;
  for (const f of frames) {
    const pcm = codec.decode(f);
    const dv = new DataView(pcm.buffer, pcm.byteOffset, pcm.byteLength);
    for (let i = 0; i + 1 < pcm.length; i += 2) {
      const v = dv.getInt16(i, true);
      sum += v * v;
      n++;
    }
  }
  return Math.sqrt(sum / Math.max(1, n));
}

describe('destroying a connection a player is subscribed to', () => {
  for (const how of ['stop() then destroy()', 'destroy() while playing', "the adapter's destroy (discord.js leaving the guild)"] as const) {
    it(`${how}: nothing throws into the process, the player ends the track and drops the connection`, async () => {
      const a = join(A);
      await a.ready({ timeoutMs: 5_000 });
      const player = new AudioPlayer();
      const errors: Error[] = [];
      player.on('error', (e) => errors.push(e));
      player.subscribe(a);
      const idle = once(player, 'idle');
      player.enqueue(createOggOpusFileResource(CLIP));
      await until(() => a.stats.packetsSent >= 3, 5_000, 'the clip to be playing');
      expect(player.state).toBe('playing');
      if (how === 'stop() then destroy()') {
        player.stop();
        a.destroy();
      } else if (how === 'destroy() while playing') a.destroy();
      else emu.server.closeAdapters(A);
      await until(() => a.destroyed, 2_000, 'the connection destroyed');
      player.stop();
      await idle;
      expect(a.sendOpusFrame(new Uint8Array([0xfc, 1]))).toBe(false);
      expect(() => a.stopSpeaking()).not.toThrow();
      expect(errors).toEqual([]);
    });
  }
});

describe('volume works on Opus resources (decode → scale → encode), passthrough at 1', () => {
  it('setVolume(0.25) on an Ogg Opus track lowers the level heard by the listener to about a quarter', async () => {
    const frames = await clipFrames(60);
    const levels: number[] = [];
    for (const volume of [1, 0.25]) {
      const sent: Uint8Array[] = [];
      const player = new AudioPlayer();
      player.subscribe({ sendOpusFrame: (f) => (sent.push(f), true), stopSpeaking: () => {} });
      player.setVolume(volume);
      player.enqueue(createFramesResource(frames));
      await once(player, 'idle');
      if (volume === 1) expect(sent.every((f, i) => f === frames[i])).toBe(true); // passthrough, same bytes
      levels.push(rms(sent));
    }
    const ratio = (levels[1] as number) / (levels[0] as number);
    expect(ratio).toBeGreaterThan(0.15);
    expect(ratio).toBeLessThan(0.35);
  }, 10_000);
});

describe('player state and events', () => {
  it("state is 'idle' right after stop(); errors arrive as 'error'; position and queue are visible", async () => {
    const player = new AudioPlayer({ stallTimeoutMs: 100 });
    player.subscribe({ sendOpusFrame: () => true, stopSpeaking: () => {} });
    const frames = Array.from({ length: 50 }, (_, i) => Uint8Array.of(0xfc, i));
    const started = once(player, 'start');
    player.enqueue(createFramesResource(frames, 'one'));
    player.enqueue(createFramesResource(frames, 'two'));
    expect(await started).toEqual(['one']);
    expect(player.queue.map((r) => r.title)).toEqual(['two']);
    await until(() => (player.nowPlaying?.playbackDurationMs ?? 0) >= 100, 5_000, 'the first track to play 100 ms');
    expect(player.nowPlaying?.title).toBe('one');
    expect(player.nowPlaying?.playbackDurationMs).toBeGreaterThanOrEqual(100);
    const idle = once(player, 'idle');
    player.stop();
    expect(player.state).toBe('idle');
    await idle;
    const errors: [Error, string | null][] = [];
    player.on('error', (e, t) => errors.push([e, t]));
    const ends: TrackEndReason[] = [];
    player.on('end', (e) => ends.push(e.reason));
    const idle2 = new Promise<void>((r) => player.once('idle', () => r())); // node's once() would reject on the 'error' event
    player.enqueue({ title: 'stuck', read: () => new Promise(() => {}), close: () => {} });
    await idle2;
    expect(ends).toEqual(['stalled']);
    expect(errors[0]?.[1]).toBe('stuck');
    expect(errors[0]?.[0].message).toContain('produced no audio');
  });
});

describe('connection API', () => {
  it("ready({ e2ee: true }) resolves with the DAVE group formed; both sides share the privacy code and a verification code; events.once works", async () => {
    const a = join(A);
    const b = join(B);
    const readyEvent = once(a, 'ready'); // node:events with a VoiceConnection (type-checks too)
    await Promise.all([a.ready({ timeoutMs: 5_000, e2ee: true }), b.ready({ timeoutMs: 5_000, e2ee: true })]);
    await readyEvent;
    await until(() => a.privacyCode === b.privacyCode, 2_000, 'one group');
    expect(a.e2ee).toBe(true);
    expect(a.privacyCode).toMatch(/^\d{30}$/);
    const [ca, cb] = await Promise.all([a.verificationCode(B), b.verificationCode(A)]);
    expect(ca).toMatch(/^\d{45}$/);
    expect(ca).toBe(cb);
  });

  it('joinVoiceChannel twice for one guild returns the same connection, moved; channelId, moved and self mute/deaf follow', async () => {
    const a = join(A);
    await a.ready({ timeoutMs: 5_000 });
    expect(getVoiceConnection(GUILD, A)).toBe(a);
    const moved = once(a, 'moved');
    const readyInNewChannel = once(a, 'ready'); // a move is a new voice session: Ready again
    const again = connect(emu.server, A, { channelId: '555555555555555555' });
    expect(again).toBe(a);
    expect(await moved).toEqual(['555555555555555555']);
    await readyInNewChannel;
    expect(a.channelId).toBe('555555555555555555');
    const reconnectsBefore = a.stats.reconnects;
    a.setSelfMute(true);
    a.setSelfDeaf(true);
    await until(() => emu.server.voiceState(A)?.selfMute === true && emu.server.voiceState(A)?.selfDeaf === true, 5_000, 'the emulated gateway to take the op 4');
    expect(emu.server.voiceState(A)?.channelId).toBe('555555555555555555'); // the mute did not send the bot back
    expect(a.selfMute).toBe(true);
    expect(a.selfDeaf).toBe(true);
    expect(a.state).toBe('ready'); // a mute change is not a new voice session
    expect(a.stats.reconnects).toBe(reconnectsBefore);
    a.destroy();
    expect(getVoiceConnection(GUILD, A)).toBeUndefined();
  });
});

describe('the emulator as a tool', () => {
  it("a bot in two guilds: each adapter hears only its guild's updates, and fault controls address one call", async () => {
    const g1 = join(A);
    await g1.ready({ timeoutMs: 5_000 });
    const g2 = join(A, { guildId: '222222222222222222', channelId: '333333333333333333' });
    await g2.ready({ timeoutMs: 5_000 });
    // the emulator delivers a guild's updates to the adapters synchronously, before g2's voice server answered:
    // had g1's adapter been given g2's updates, g1 would already show it here
    expect(g1.channelId).toBe(CHANNEL);
    expect(g1.state).toBe('ready');
    expect(g1.stats.reconnects).toBe(0);
    emu.server.closeSocket(A, 4015, '222222222222222222');
    await until(() => g2.stats.resumes === 1, 3_000, 'the second call resumed');
    expect(g1.stats.resumes).toBe(0);
  });

  it('closeSocket() after dropSocket() closes the silenced socket (the client resumes at once, not after heartbeats)', async () => {
    const a = join(A, { session: { heartbeatMissLimit: 100 } });
    const b = join(B);
    await Promise.all([a.ready({ timeoutMs: 5_000 }), b.ready({ timeoutMs: 5_000 })]);
    const heard = collect(b, A);
    emu.server.dropSocket(A);
    emu.server.closeSocket(A, 4015);
    await until(() => a.stats.resumes === 1, 3_000, 'the resume');
    expect(a.state).toBe('ready');
    // the resumed call carries audio: B hears what A sends after it
    await writeFrames(a, 0, 10);
    await until(() => heard.length >= 10, 5_000, "B to hear A's ten frames after the resume");
    expect(heard).toEqual(Array.from({ length: 10 }, (_, i) => i));
  });
});

describe('receiving with an end, recorded straight to disk', () => {
  it("afterSilence: one utterance streams to an Ogg file and a WAV whose header is completed; the subscription says why it ended", async () => {
    const a = join(A);
    const b = join(B);
    await Promise.all([a.ready({ timeoutMs: 5_000, e2ee: true }), b.ready({ timeoutMs: 5_000, e2ee: true })]);
    const sub = b.receiver.subscribe(A, { end: { behavior: 'afterSilence', durationMs: 300 } });
    const dir = mkdtempSync(joinPath(tmpdir(), 'voicewire-rec-'));
    const recording = recordToFile(sub, joinPath(dir, 'a.ogg'), { wavPath: joinPath(dir, 'a.wav') });
    await writeFrames(a, 0, 25); // then the silence tail and speaking 0
    const t0 = performance.now();
    const result = await recording;
    expect(performance.now() - t0).toBeLessThan(2_000);
    expect(sub.endReason).toBe('silence');
    expect(result.frames).toBeGreaterThanOrEqual(25);
    const frames: Uint8Array[] = [];
    for await (const f of demuxOggOpus([readFileSync(joinPath(dir, 'a.ogg'))])) frames.push(f);
    expect(frames.length).toBe(result.frames + result.filled);
    const wav = readFileSync(joinPath(dir, 'a.wav'));
    expect(wav.subarray(0, 4).toString()).toBe('RIFF');
    expect(wav.readUInt32LE(40)).toBe(wav.length - 44);
    expect(wav.length - 44).toBe(frames.length * 3_840);
  });

  it('afterInactivity: a subscription to someone who never speaks ends after the duration', async () => {
    const b = join(B);
    await b.ready({ timeoutMs: 5_000 });
    const sub = b.receiver.subscribe(A, { end: { behavior: 'afterInactivity', durationMs: 200 } });
    const got: unknown[] = [];
    for await (const f of sub) got.push(f);
    expect(got).toEqual([]);
    expect(sub.endReason).toBe('inactivity');
    expect(() => b.receiver.subscribe(A, { end: { behavior: 'afterSilence', durationMs: 0 } })).toThrow(/positive/);
  });
});

describe('UDP round trip, measured all along', () => {
  it('comes from keepalive echoes when the server answers them', async () => {
    const a = join(A, { session: { keepaliveIntervalMs: 100 } });
    await a.ready({ timeoutMs: 5_000 });
    expect(a.stats.udpRttSource).toBe('discovery');
    await until(() => a.stats.udpRttSource === 'keepalive', 2_000, 'a keepalive echo');
    expect(a.stats.udpRttMs).toBeGreaterThanOrEqual(0);
    expect(a.stats.udpRttMs).toBeLessThan(100);
  });
});
