// The player's state machine and the resource's bookkeeping without a network: a fake connection records what
// the player sends on the shared 20 ms clock.
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { sleep, until } from '@voicewire/testkit';
import { AudioPlayerStatus, createAudioPlayer, createAudioResource, demuxProbe, NoSubscriberBehavior, StreamType, VoiceConnectionStatus, VolumeTransformer, type AudioPlayer } from '../src/index.js';

const SILENCE = Buffer.from([0xf8, 0xff, 0xfe]);
const packets = (n: number) => Array.from({ length: n }, (_, i) => Buffer.from([0xfc, i, 7, 7]));
const opus = (n: number, opts = {}) => createAudioResource(Readable.from(packets(n), { objectMode: true }), { inputType: StreamType.Opus, ...opts });

function fakeConnection(status = VoiceConnectionStatus.Ready) {
  const c = {
    state: { status },
    sent: [] as Buffer[],
    speaking: [] as boolean[],
    playOpusPacket(p: Buffer) {
      if (c.state.status !== VoiceConnectionStatus.Ready) return undefined;
      c.sent.push(p);
      return true;
    },
    setSpeaking(on: boolean) {
      c.speaking.push(on);
    },
    onSubscriptionRemoved() {},
  };
  return c;
}
const attach = (p: AudioPlayer, c: ReturnType<typeof fakeConnection>) => (p as unknown as { subscribe(c: unknown): unknown }).subscribe(c);

describe('AudioPlayer (fake connection, shared clock)', () => {
  it('Buffering → Playing → Idle; every packet in order, then the five padding silence frames', async () => {
    const p = createAudioPlayer();
    const c = fakeConnection();
    attach(p, c);
    const statuses: AudioPlayerStatus[] = [];
    p.on('stateChange', (_o, n) => statuses.push(n.status));
    const r = opus(10);
    p.play(r);
    await until(() => p.state.status === AudioPlayerStatus.Idle, 3_000, 'p.state.status === AudioPlayerStatus.Idle');
    expect(statuses[0]).toBe(AudioPlayerStatus.Buffering);
    expect(statuses).toContain(AudioPlayerStatus.Playing);
    expect(c.sent.slice(0, 10).map((b) => b[1])).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(c.sent.slice(10)).toEqual(Array(5).fill(SILENCE));
    expect(r.ended).toBe(true);
    expect(r.playbackDuration).toBe(200);
    expect(c.speaking).toContain(false);
  });

  it('noSubscriber: Pause goes AutoPaused and resumes when a connection is Ready; Stop goes Idle; Play reads on', async () => {
    const paused = createAudioPlayer({ behaviors: { noSubscriber: NoSubscriberBehavior.Pause } });
    const c = fakeConnection(VoiceConnectionStatus.Connecting);
    attach(paused, c);
    paused.play(opus(20));
    await until(() => paused.state.status === AudioPlayerStatus.AutoPaused, 3_000, 'paused.state.status === AudioPlayerStatus.AutoPaused');
    c.state.status = VoiceConnectionStatus.Ready;
    await until(() => paused.state.status === AudioPlayerStatus.Idle, 3_000, 'paused.state.status === AudioPlayerStatus.Idle');
    expect(c.sent.filter((b) => b.length === 4)).toHaveLength(20);

    const stopping = createAudioPlayer({ behaviors: { noSubscriber: NoSubscriberBehavior.Stop } });
    stopping.play(opus(20));
    await until(() => stopping.state.status === AudioPlayerStatus.Idle, 3_000, 'stopping.state.status === AudioPlayerStatus.Idle');

    const playing = createAudioPlayer({ behaviors: { noSubscriber: NoSubscriberBehavior.Play } });
    const r = opus(10);
    playing.play(r);
    await until(() => playing.state.status === AudioPlayerStatus.Idle, 3_000, 'playing.state.status === AudioPlayerStatus.Idle');
    expect(r.playbackDuration).toBe(200);
  });

  it('maxMissedFrames: a source that stops delivering is stopped after that many empty ticks', async () => {
    const p = createAudioPlayer({ behaviors: { maxMissedFrames: 3 } });
    const c = fakeConnection();
    attach(p, c);
    const stalled = new Readable({ objectMode: true, read() {} });
    stalled.push(Buffer.from([0xfc, 1, 2, 3]));
    p.play(createAudioResource(stalled, { inputType: StreamType.Opus }));
    await until(() => p.state.status === AudioPlayerStatus.Idle, 3_000, 'p.state.status === AudioPlayerStatus.Idle');
    expect(c.sent[0]?.[1]).toBe(1);
  });

  it('play() refuses an ended resource and one another player holds; stop(force) skips the padding', async () => {
    const a = createAudioPlayer();
    const b = createAudioPlayer();
    const r = opus(50);
    a.play(r);
    expect(() => b.play(r)).toThrow(/another audio player/);
    expect(a.stop(true)).toBe(true);
    expect(a.state.status).toBe(AudioPlayerStatus.Idle);
    expect(a.stop()).toBe(false);
    const done = opus(1, { silencePaddingFrames: 0 });
    const c = fakeConnection();
    attach(a, c);
    a.play(done);
    await until(() => a.state.status === AudioPlayerStatus.Idle, 3_000, 'a.state.status === AudioPlayerStatus.Idle');
    expect(done.ended).toBe(true);
    expect(() => a.play(done)).toThrow(/already ended/);
  });

  it('pause() sends five silence frames then nothing; unpause() carries on where it stopped', async () => {
    const p = createAudioPlayer();
    const c = fakeConnection();
    attach(p, c);
    p.play(opus(40));
    await until(() => c.sent.length >= 5, 3_000, 'c.sent.length >= 5');
    expect(p.pause()).toBe(true);
    const at = c.sent.length;
    await sleep(200); // time is the subject: ten cycles pass, and a paused player sends only its five silence frames
    expect(c.sent.slice(at)).toEqual(Array(5).fill(SILENCE));
    expect(p.unpause()).toBe(true);
    await until(() => p.state.status === AudioPlayerStatus.Idle, 3_000, 'p.state.status === AudioPlayerStatus.Idle');
    const audio = c.sent.filter((b) => b.length === 4).map((b) => b[1]);
    expect(audio).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });
});

describe('resources', () => {
  it('a missing file is a clear error at once (not a failure later inside ffmpeg)', () => {
    expect(() => createAudioResource('/no/such/song.mp3')).toThrow(expect.objectContaining({ code: 'E_FILE_NOT_FOUND' }));
  });

  it('VolumeTransformer: linear, decibels and logarithmic, as prism-media defines them; bad values are refused', () => {
    const v = new VolumeTransformer();
    v.setVolumeDecibels(-6);
    expect(v.volume).toBeCloseTo(0.501, 3);
    expect(v.volumeDecibels).toBeCloseTo(-6, 6);
    v.setVolumeLogarithmic(0.5);
    expect(v.volume).toBeCloseTo(0.5 ** 1.660964, 6);
    expect(v.volumeLogarithmic).toBeCloseTo(0.5, 6);
    expect(() => v.setVolume(Number.NaN)).toThrow(RangeError);
    expect(() => v.setVolume(-1)).toThrow(RangeError);
  });

  it('inline volume at 1 passes Opus packets through unchanged (no decode, no encode)', async () => {
    const r = opus(5, { inlineVolume: true });
    const out: Buffer[] = [];
    for await (const p of r.playStream) out.push(p as Buffer);
    expect(out).toEqual(packets(5));
    expect(r.volume?.volume).toBe(1);
  });

  it('demuxProbe: an empty stream and a short one are Arbitrary with their bytes kept; an object-mode stream is refused', async () => {
    const empty = await demuxProbe(Readable.from([]));
    expect(empty.type).toBe(StreamType.Arbitrary);
    const short = await demuxProbe(Readable.from([Buffer.from('ID3 and not much else')]));
    expect(short.type).toBe(StreamType.Arbitrary);
    const kept: Buffer[] = [];
    for await (const b of short.stream) kept.push(b as Buffer);
    expect(Buffer.concat(kept).toString()).toBe('ID3 and not much else');
    await expect(demuxProbe(Readable.from([{}], { objectMode: true }))).rejects.toThrow(/byte stream/);
    const failing = new Readable({ read() {
      this.destroy(new Error('socket hang up'));
    } });
    await expect(demuxProbe(failing)).rejects.toThrow(/socket hang up/);
  });
});
