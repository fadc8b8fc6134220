// Seeking (Ogg by granule position, WebM by cluster/block timecodes, ffmpeg with -ss), ffmpeg output that is read
// long after the resource was made, and what the player does with no connection to play to. Audio is made by the
// real ffmpeg (from npm) and checked by the frequency heard.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { power, sleep, until } from '@voicewire/testkit';
import { AudioPlayer, createFfmpegResource, createFramesResource, createOggOpusFileResource, createWebmOpusFileResource, OpusCodec, type AudioResource, type OpusSink, type TrackEndReason } from '../src/index.js';

const FFMPEG = (createRequire(import.meta.url)('@ffmpeg-installer/ffmpeg') as { path: string }).path;
const dir = mkdtempSync(join(tmpdir(), 'voicewire-seek-'));

function make(name: string, source: string, codec: string[]): string {
  const out = join(dir, name);
  const r = spawnSync(FFMPEG, ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', source, '-ac', '2', '-ar', '48000', ...codec, out]);
  if (r.status !== 0) throw new Error(`ffmpeg: ${r.stderr}`);
  return out;
}
const OPUS = ['-c:a', 'libopus', '-b:a', '96k', '-frame_duration', '20'];
// 440 Hz for the first 2 s, then 880 Hz for 2 s: where a seek lands is heard.
const TWO_TONE = `aevalsrc=0.3*sin(2*PI*if(lt(t\\,2)\\,440\\,880)*t):s=48000:d=4`;
const files = {
  ogg: make('two-tone.ogg', TWO_TONE, OPUS),
  webm: make('two-tone.webm', TWO_TONE, OPUS),
  mp3: make('two-tone.mp3', TWO_TONE, ['-c:a', 'libmp3lame']),
  short: [440, 660, 880].map((hz) => make(`short-${hz}.mp3`, `sine=frequency=${hz}:duration=0.4:sample_rate=48000`, ['-c:a', 'libmp3lame'])),
};

const codec = new OpusCodec();
function dominant(frames: readonly Uint8Array[], candidates = [440, 660, 880]): number {
  const pcm = new Uint8Array(frames.length * 3840);
  frames.forEach((f, i) => pcm.set(codec.decode(f), i * 3840));
  return candidates.reduce((best, hz) => (power(pcm, hz) > power(pcm, best) ? hz : best));
}
async function take(r: AudioResource, n: number): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for (let f = await r.read(); f && out.length < n; f = out.length < n ? await r.read() : null) out.push(f);
  return out;
}
async function readAll(r: AudioResource): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for (let f = await r.read(); f; f = await r.read()) out.push(f);
  return out;
}

const seekable: [string, (at?: number) => AudioResource][] = [
  ['Ogg Opus file (granule positions)', (at) => createOggOpusFileResource(files.ogg, at === undefined ? {} : { startAtMs: at })],
  ['WebM Opus file (cluster and block timecodes)', (at) => createWebmOpusFileResource(files.webm, at === undefined ? {} : { startAtMs: at })],
  ['MP3 through ffmpeg (-ss)', (at) => createFfmpegResource(files.mp3, { ffmpegPath: FFMPEG, ...(at === undefined ? {} : { startAtMs: at }) })],
];

describe('seeking', () => {
  for (const [name, open] of seekable) {
    it(`${name}: starts at a position, seeks forward and back, and reports where it is`, async () => {
      const r = open(2_500);
      expect(r.positionMs).toBe(2_500);
      const late = await take(r, 10);
      expect(dominant(late.slice(3))).toBe(880);
      expect(r.positionMs).toBe(2_700);
      r.seek?.(500);
      expect(r.positionMs).toBe(500);
      const early = await take(r, 10);
      expect(dominant(early.slice(3))).toBe(440);
      r.seek?.(3_000);
      const rest = await readAll(r);
      // 1 s of the 4 s file is left after 3 s (ffmpeg's and the encoder's edges give or take a frame or two)
      expect(rest.length).toBeGreaterThanOrEqual(47);
      expect(rest.length).toBeLessThanOrEqual(53);
      expect(dominant(rest.slice(3))).toBe(880);
      r.close();
    });
  }

  it('the whole file, unseeked, is 4 s of frames (the seek paths drop frames only when asked)', async () => {
    const all = await readAll(createOggOpusFileResource(files.ogg));
    expect(all.length).toBeGreaterThanOrEqual(199);
    expect(all.length).toBeLessThanOrEqual(202);
    expect(dominant(all.slice(5, 90))).toBe(440);
    expect(dominant(all.slice(110, 195))).toBe(880);
  });

  it('a seek while a read is under way returns a frame of the new position, not the old one', async () => {
    const r = createFfmpegResource(files.mp3, { ffmpegPath: FFMPEG });
    const pending = r.read(); // ffmpeg is still starting: this read waits
    r.seek?.(3_000);
    const first = await pending;
    expect(first).not.toBeNull();
    const next = await take(r, 10);
    expect(dominant(next.slice(2))).toBe(880);
    r.close();
  });

  it('a bad position is a RangeError; a stream or frames in memory cannot seek, and the player says so', () => {
    const r = createOggOpusFileResource(files.ogg);
    expect(() => r.seek?.(-1)).toThrow(RangeError);
    expect(() => r.seek?.(Number.NaN)).toThrow(RangeError);
    r.close();
    const p = new AudioPlayer();
    expect(() => p.seek(1_000)).toThrow(/E_NOT_PLAYING/);
    const s = new Sink();
    p.subscribe(s);
    p.enqueue(createFramesResource([Uint8Array.of(0xfc, 1, 2)], 'in memory'));
    expect(() => p.seek(1_000)).toThrow(/E_SEEK_UNSUPPORTED: in memory cannot seek/);
    p.stop();
  });
});

describe('ffmpeg output is kept until it is read', () => {
  it('a resource read 2 s after it was made still plays the whole file', async () => {
    const r = createFfmpegResource(files.short[0] as string, { ffmpegPath: FFMPEG });
    // Time itself is the subject here: ffmpeg finishes a 0.4 s file long before these 2 s are over, and its
    // output must still be there (Node used to discard the unread output of a child that had exited).
    await sleep(2_000);
    const frames = await readAll(r);
    expect(frames.length).toBeGreaterThanOrEqual(19);
    expect(dominant(frames.slice(2))).toBe(440);
  });

  it('three short MP3s queued on a player all play, in order', async () => {
    const p = new AudioPlayer();
    const s = new Sink(true);
    p.subscribe(s);
    const ends: { title: string; reason: TrackEndReason; frames: number }[] = [];
    p.on('end', (e) => ends.push({ title: e.title, reason: e.reason, frames: e.frames }));
    const idle = new Promise<void>((r) => p.once('idle', () => r()));
    for (const [i, f] of files.short.entries()) p.enqueue(createFfmpegResource(f, { ffmpegPath: FFMPEG, title: `track ${i}` }));
    await idle;
    expect(ends.map((e) => [e.title, e.reason])).toEqual([['track 0', 'finished'], ['track 1', 'finished'], ['track 2', 'finished']]);
    for (const e of ends) expect(e.frames).toBeGreaterThanOrEqual(19);
    let at = 0;
    for (const [i, e] of ends.entries()) {
      expect(dominant(s.frames.slice(at + 2, at + e.frames - 1))).toBe([440, 660, 880][i]);
      at += e.frames;
    }
  });
});

class Sink implements OpusSink {
  readonly frames: Uint8Array[] = [];
  destroyed = false;
  constructor(private readonly keep = false) {}
  sendOpusFrame(f: Uint8Array): boolean {
    if (this.keep) this.frames.push(f);
    else this.frames.push(f.subarray(0, 3));
    return true;
  }
  stopSpeaking(): void {}
}

const numbered = (n: number): Uint8Array[] => Array.from({ length: n }, (_, i) => Uint8Array.of(0xfc, i & 0xff, i >> 8));
const numbers = (s: Sink): number[] => s.frames.map((f) => (f[1] as number) | ((f[2] as number) << 8));

describe('no connection to play to (noSubscriber)', () => {
  it("'pause' (the default): a destroyed connection autopauses the track where it is; the next subscriber hears the rest, nothing lost or repeated", async () => {
    const p = new AudioPlayer();
    const a = new Sink();
    p.subscribe(a);
    const ends: TrackEndReason[] = [];
    p.on('end', (e) => ends.push(e.reason));
    p.enqueue(createFramesResource(numbered(40), 'song'));
    await until(() => a.frames.length >= 10, 2_000, 'ten frames sent');
    a.destroyed = true;
    await until(() => p.state === 'autopaused', 2_000, 'the player to autopause');
    const sentBefore = a.frames.length;
    expect(ends).toEqual([]);
    expect(p.nowPlaying?.title).toBe('song');
    const b = new Sink();
    const idle = new Promise<void>((r) => p.once('idle', () => r()));
    p.subscribe(b);
    await idle;
    expect(ends).toEqual(['finished']);
    expect([...numbers(a).slice(0, sentBefore), ...numbers(b)]).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });

  it("'pause': a track queued before any connection subscribed waits for one instead of playing into nothing", async () => {
    const p = new AudioPlayer();
    p.enqueue(createFramesResource(numbered(5), 'early'));
    await until(() => p.state === 'autopaused', 2_000, 'the player to autopause');
    const s = new Sink();
    const idle = new Promise<void>((r) => p.once('idle', () => r()));
    p.subscribe(s);
    await idle;
    expect(numbers(s)).toEqual([0, 1, 2, 3, 4]);
  });

  it("'stop': the track ends as 'unsubscribed' and the queue is cleared", async () => {
    const p = new AudioPlayer({ noSubscriber: 'stop' });
    const a = new Sink();
    p.subscribe(a);
    const ends: [string, TrackEndReason][] = [];
    p.on('end', (e) => ends.push([e.title, e.reason]));
    const idle = new Promise<void>((r) => p.once('idle', () => r()));
    p.enqueue(createFramesResource(numbered(100), 'one'));
    p.enqueue(createFramesResource(numbered(5), 'two'));
    await until(() => a.frames.length >= 5, 2_000, 'five frames sent');
    a.destroyed = true;
    await idle;
    expect(ends).toEqual([['one', 'unsubscribed']]);
    expect(p.queue).toEqual([]);
  });

  it("'play': the track plays on into nothing and ends 'finished'", async () => {
    const p = new AudioPlayer({ noSubscriber: 'play' });
    const ends: TrackEndReason[] = [];
    p.on('end', (e) => ends.push(e.reason));
    const idle = new Promise<void>((r) => p.once('idle', () => r()));
    p.enqueue(createFramesResource(numbered(5), 'nobody'));
    await idle;
    expect(ends).toEqual(['finished']);
    expect(p.framesSent).toBe(5);
  });
});
