// What a new user hit (issue: a queued MP3 that never played, causes that never reached the app, moves undone by
// a mute, a receive loop that never ended, tracks "finished" into nothing, waits that did not say why, the
// emulator's certificate dance), each against the local emulator with DAVE, real sockets and the real ffmpeg.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AudioPlayer, createFfmpegResource, createOggOpusFileResource, OpusCodec, type TrackEndReason } from '@voicewire/audio';
import { VoiceError, type VoiceConnection } from '@voicewire/voice';
import { connectEmulatorGateway } from '@voicewire/voice-server';
import { power, until } from '@voicewire/testkit';
import { CHANNEL, GUILD } from './e2e-helpers.js';
import { emulatorPerTest } from './emulator-per-test.js';

const A = '104694319306248192';
const B = '158049329150427136';
const CHANNEL_2 = '127121515262115841';
const FFMPEG = (createRequire(import.meta.url)('@ffmpeg-installer/ffmpeg') as { path: string }).path;
const dir = mkdtempSync(joinPath(tmpdir(), 'voicewire-new-user-'));
function make(name: string, source: string, codec: string[]): string {
  const out = joinPath(dir, name);
  const r = spawnSync(FFMPEG, ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', source, '-ac', '2', '-ar', '48000', ...codec, out]);
  if (r.status !== 0) throw new Error(`ffmpeg: ${r.stderr}`);
  return out;
}
const shortMp3 = (hz: number): string => make(`short-${hz}.mp3`, `sine=frequency=${hz}:duration=0.4:sample_rate=48000`, ['-c:a', 'libmp3lame']);
const TWO_TONE_OGG = make('two-tone.ogg', `aevalsrc=0.3*sin(2*PI*if(lt(t\\,2)\\,440\\,880)*t):s=48000:d=4`, ['-c:a', 'libopus', '-b:a', '96k', '-frame_duration', '20']);

/** The tone of each audible frame a listener receives from `from`, in order (the silence frames left out). */
function hear(listener: VoiceConnection, from: string): number[] {
  const codec = new OpusCodec();
  const tones: number[] = [];
  listener.on('audio', (f) => {
    if (f.userId !== from || f.opus.length <= 3) return;
    const pcm = codec.decode(f.opus);
    tones.push([440, 660, 880].reduce((best, hz) => (power(pcm, hz) > power(pcm, best) ? hz : best)));
  });
  return tones;
}
/** Runs of one tone, the short ones (codec edges between tracks) left out. */
const runs = (tones: number[], min = 5): number[] => {
  const out: number[] = [];
  let i = 0;
  while (i < tones.length) {
    let j = i;
    while (j < tones.length && tones[j] === tones[i]) j++;
    if (j - i >= min && out[out.length - 1] !== tones[i]) out.push(tones[i] as number);
    i = j;
  }
  return out;
};

const emu = emulatorPerTest();
const join = emu.join;

/** A speaks through a player, B listens (both in one DAVE group): the player, and the tones B hears from A. */
async function speakerAndListener(): Promise<{ tones: number[]; player: AudioPlayer }> {
  const a = join(A);
  const b = join(B, { selfDeaf: false });
  await Promise.all([a.ready({ timeoutMs: 5_000, e2ee: true }), b.ready({ timeoutMs: 5_000, e2ee: true })]);
  const player = new AudioPlayer();
  player.subscribe(a);
  return { tones: hear(b, A), player };
}

describe('a music bot', () => {
  it('three short MP3s queued through ffmpeg are all heard by a listener, in order', async () => {
    const files = [440, 660, 880].map(shortMp3);
    const { tones, player } = await speakerAndListener();
    const ends: [string, TrackEndReason][] = [];
    player.on('end', (e) => ends.push([e.title, e.reason]));
    const idle = new Promise<void>((r) => player.once('idle', () => r()));
    for (const [i, f] of files.entries()) player.enqueue(createFfmpegResource(f, { ffmpegPath: FFMPEG, title: `track ${i}` }));
    await idle;
    expect(ends).toEqual([['track 0', 'finished'], ['track 1', 'finished'], ['track 2', 'finished']]);
    await until(() => tones.length >= 55, 3_000, 'the listener to hear the three tracks');
    expect(runs(tones)).toEqual([440, 660, 880]);
  });

  it('player.seek() while playing: the listener hears the new position, and nowPlaying reports it', async () => {
    const { tones, player } = await speakerAndListener();
    player.enqueue(createOggOpusFileResource(TWO_TONE_OGG));
    await until(() => tones.length >= 15, 3_000, 'the first 300 ms of the track heard');
    expect(runs(tones)).toEqual([440]);
    player.seek(2_500);
    expect(player.nowPlaying?.playbackDurationMs).toBe(2_500);
    const at = tones.length;
    await until(() => tones.length >= at + 20, 3_000, 'frames after the seek');
    expect(runs(tones.slice(at + 3))).toEqual([880]);
    expect(player.nowPlaying?.playbackDurationMs).toBeGreaterThanOrEqual(2_800);
    const idle = new Promise<void>((r) => player.once('idle', () => r()));
    await idle; // the 1.5 s that were left
    expect(tones.length - at).toBeLessThan(90);
  });

  it("a connection destroyed mid-track: the track is held ('autopaused'), not reported finished into nothing", async () => {
    const a = join(A);
    await a.ready({ timeoutMs: 5_000 });
    const player = new AudioPlayer();
    player.subscribe(a);
    const ends: TrackEndReason[] = [];
    player.on('end', (e) => ends.push(e.reason));
    player.enqueue(createOggOpusFileResource(TWO_TONE_OGG));
    await until(() => (player.nowPlaying?.playbackDurationMs ?? 0) >= 200, 3_000, 'playback under way');
    a.destroy();
    await until(() => player.state === 'autopaused', 2_000, 'the player to autopause');
    const at = player.nowPlaying?.playbackDurationMs ?? 0;
    const again = join(A);
    await again.ready({ timeoutMs: 5_000 });
    player.subscribe(again);
    await until(() => (player.nowPlaying?.playbackDurationMs ?? 0) > at + 100, 3_000, 'playback to carry on in the new connection');
    expect(ends).toEqual([]);
    player.stop();
  });
});

describe('why a connection ended reaches the app', () => {
  it("the main gateway drops: 'disconnected' and lastDisconnectError carry E_GATEWAY_CLOSED", async () => {
    const server = emu.server;
    const gateway = await connectEmulatorGateway(server.gatewayUrl, { ca: server.certificate?.cert ?? '', token: A });
    const a = join(A, { adapterCreator: gateway.adapterCreator(GUILD) });
    await a.ready({ timeoutMs: 5_000 });
    const reasons: (VoiceError | null)[] = [];
    a.on('disconnected', (e) => reasons.push(e));
    server.dropGateway(A);
    await until(() => a.destroyed, 3_000, 'the connection to end with its gateway');
    expect(reasons.map((e) => e?.code)).toEqual(['E_GATEWAY_CLOSED']);
    expect(a.lastDisconnectError?.code).toBe('E_GATEWAY_CLOSED');
    expect(a.lastDisconnectError?.message).toMatch(/gateway/);
    gateway.close();
  });

  it('an adapter that cannot send op 4 ends the join at once with E_GATEWAY_UNAVAILABLE, not a 30 s wait', async () => {
    const a = join(A, { adapterCreator: () => ({ sendPayload: () => false, destroy: () => {} }) });
    const t0 = performance.now();
    await expect(a.ready({ timeoutMs: 10_000 })).rejects.toMatchObject({ code: 'E_GATEWAY_UNAVAILABLE' });
    expect(performance.now() - t0).toBeLessThan(2_000);
    expect(a.lastDisconnectError?.code).toBe('E_GATEWAY_UNAVAILABLE');
  });

  it('ready({ e2ee: true }) alone in a channel says that a DAVE group needs a second member, and what to call instead', async () => {
    const a = join(A);
    await a.ready({ timeoutMs: 5_000 });
    const err = await a.ready({ e2ee: true, timeoutMs: 300 }).catch((e: unknown) => e as VoiceError);
    expect(err).toBeInstanceOf(VoiceError);
    expect((err as VoiceError).message).toMatch(/alone in the channel/);
    expect((err as VoiceError).message).toMatch(/second member/);
    expect((err as VoiceError).message).toMatch(/ready\(\) without \{ e2ee: true \}/);
    expect((err as VoiceError).message).toMatch(/userId/);
  });
});

describe('moving and receiving', () => {
  it('setSelfMute() right after a move keeps the bot in the new channel', async () => {
    const a = join(A);
    await a.ready({ timeoutMs: 5_000 });
    const moves: string[] = [];
    a.on('moved', (c) => moves.push(c));
    a.moveTo(CHANNEL_2);
    a.setSelfMute(true);
    expect(a.requestedChannelId).toBe(CHANNEL_2);
    await until(() => a.state === 'ready' && a.channelId === CHANNEL_2 && moves.length > 0, 5_000, 'ready in the new channel');
    expect(moves).toEqual([CHANNEL_2]);
    expect(a.selfMute).toBe(true);
    // a second member of CHANNEL_2 sees the bot there
    const b = join(B, { channelId: CHANNEL_2 });
    await Promise.all([a.ready({ timeoutMs: 5_000, e2ee: true }), b.ready({ timeoutMs: 5_000, e2ee: true })]);
    expect(a.channelId).toBe(CHANNEL_2);
    expect(emu.server.core.daveMembers(GUILD, CHANNEL_2).sort()).toEqual([A, B].sort());
    expect(emu.server.core.daveMembers(GUILD, CHANNEL)).toEqual([]);
  });

  it('receiver.subscribe() after destroy() ends at once, so a for await loop reaches the code after it', async () => {
    const a = join(A);
    await a.ready({ timeoutMs: 5_000 });
    a.destroy();
    const sub = a.receiver.subscribe(B);
    const seen: unknown[] = [];
    for await (const f of sub) seen.push(f);
    expect(seen).toEqual([]);
    expect(sub.endReason).toBe('destroyed');
    const all = a.receiver.subscribeAll();
    expect(await all.next()).toEqual({ value: undefined, done: true });
  });

  it('after destroy() every connection method follows one rule: requests throw E_DESTROYED, waits reject with it, stopping and sending are no-ops', async () => {
    const a = join(A);
    await a.ready({ timeoutMs: 5_000 });
    a.destroy();
    const destroyed = expect.objectContaining({ code: 'E_DESTROYED', message: expect.stringContaining('joinVoiceChannel()') });
    // asks for something new: a clear error naming the method
    for (const [name, call] of [
      ['moveTo', () => a.moveTo(CHANNEL_2)],
      ['setSelfMute', () => a.setSelfMute(true)],
      ['setSelfDeaf', () => a.setSelfDeaf(true)],
      ['setSpeaking', () => a.setSpeaking(1)],
      ['rejoin', () => a.rejoin()],
    ] as const) expect(call, name).toThrow(expect.objectContaining({ code: 'E_DESTROYED', message: expect.stringContaining(`${name}()`) }));
    // waits for something: rejected with the same error
    await expect(a.ready()).rejects.toEqual(destroyed);
    await expect(a.verificationCode(B)).rejects.toEqual(destroyed);
    const writer = a.createOpusWriter().getWriter();
    await expect(writer.write(Uint8Array.of(0xfc, 1, 2))).rejects.toEqual(destroyed);
    // stops or sends media: nothing to do, nothing thrown
    expect(a.sendOpusFrame(Uint8Array.of(0xfc, 1, 2))).toBe(false);
    expect(() => a.stopSpeaking()).not.toThrow();
    expect(() => a.disconnect()).not.toThrow();
    expect(() => a.destroy()).not.toThrow();
    // getters keep answering with the final state
    expect(a.state).toBe('destroyed');
    expect(a.channelId).toBe(CHANNEL);
    expect(a.e2ee).toBe(false);
  });
});
