import { spawnSync } from 'node:child_process';
import { createReadStream, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyVolume, OpusVolume, probeFfmpeg, createFfmpegResource, createOggOpusFileResource, muxOggOpus, OpusCodec, PCM_FRAME_BYTES, UserRecorder, demuxOggOpus, wavFile, type AudioResource } from '../src/index.js';
import { power, sine, toneFrame, until } from '@voicewire/testkit';

const tone = (n: number): Uint8Array => toneFrame(440, n);

async function readAll(r: AudioResource): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for (let f = await r.read(); f; f = await r.read()) out.push(f);
  return out;
}

describe('PCM and Opus (@discordjs/opus)', () => {
  it('encodes 20 ms PCM frames to Opus and decodes them back to 3,840 bytes', () => {
    const codec = new OpusCodec();
    const opus = codec.encode(tone(0));
    expect(opus.length).toBeGreaterThan(3);
    expect(opus.length).toBeLessThan(1276);
    expect(codec.decode(opus).length).toBe(PCM_FRAME_BYTES);
    expect(() => codec.encode(new Uint8Array(100))).toThrow(/3840 bytes/);
  });

  it('applies volume with clamping', () => {
    const pcm = new Uint8Array(4);
    new DataView(pcm.buffer).setInt16(0, 20000, true);
    new DataView(pcm.buffer).setInt16(2, -1000, true);
    applyVolume(pcm, 2);
    expect(new DataView(pcm.buffer).getInt16(0, true)).toBe(32767);
    expect(new DataView(pcm.buffer).getInt16(2, true)).toBe(-2000);
  });

  it('writes a WAV header for 48 kHz stereo 16-bit', () => {
    const wav = wavFile(new Uint8Array(PCM_FRAME_BYTES));
    const dv = new DataView(wav.buffer);
    expect(new TextDecoder().decode(wav.subarray(0, 4))).toBe('RIFF');
    expect(dv.getUint32(24, true)).toBe(48000);
    expect(dv.getUint16(22, true)).toBe(2);
    expect(dv.getUint32(40, true)).toBe(PCM_FRAME_BYTES);
  });

  it('records with gaps filled by RTP timestamp, to Ogg Opus and WAV', async () => {
    const codec = new OpusCodec();
    const f = [0, 1, 2, 3].map((n) => codec.encode(tone(n)));
    const rec = new UserRecorder({ wav: true });
    rec.push({ timestamp: 1000, opus: f[0] as Uint8Array });
    rec.push({ timestamp: 1960, opus: f[1] as Uint8Array });
    rec.push({ timestamp: 1960, opus: f[1] as Uint8Array }); // duplicate: ignored
    rec.push({ timestamp: 1960 + 3 * 960, opus: f[2] as Uint8Array }); // two frames lost
    rec.push({ timestamp: (0xffffffff + 1960 + 4 * 960 - 0xffffffff) >>> 0, opus: f[3] as Uint8Array });
    const result = rec.finish();
    expect(result.frames).toBe(4);
    expect(result.filled).toBe(2);
    const back: Uint8Array[] = [];
    for await (const x of demuxOggOpus([result.ogg])) back.push(x);
    expect(back.length).toBe(6);
    expect(Array.from(back[0] as Uint8Array)).toEqual(Array.from(f[0] as Uint8Array));
    expect(Array.from(back[2] as Uint8Array)).toEqual([0xf8, 0xff, 0xfe]);
    expect(result.wav?.length).toBe(44 + 6 * PCM_FRAME_BYTES);
  });
});

// The real ffmpeg, from the npm registry (@ffmpeg-installer/ffmpeg ships the binary inside the package).
const FFMPEG = (createRequire(import.meta.url)('@ffmpeg-installer/ffmpeg') as { path: string }).path;

/** Decodes frames and returns the PCM of frames [from, to). */
function decoded(frames: readonly Uint8Array[], from: number, to: number): Uint8Array {
  const dec = new OpusCodec();
  const parts = frames.map((f) => dec.decode(f)).slice(from, to);
  dec.close();
  return new Uint8Array(Buffer.concat(parts));
}

describe('the one volume path and the one ffmpeg probe', () => {
  it('OpusVolume: 1 and silence frames pass untouched; 0.5 halves the level; a frame libopus cannot decode passes as it came', () => {
    const enc = new OpusCodec();
    const frame = enc.encode(toneFrame(440, 0, 8000));
    const v = new OpusVolume();
    expect(v.apply(frame, 1)).toBe(frame);
    const silence = Uint8Array.of(0xf8, 0xff, 0xfe);
    expect(v.apply(silence, 0.5)).toBe(silence);
    const dec = new OpusCodec();
    const rms = (pcm: Uint8Array): number => Math.sqrt(power(pcm, 440));
    // the second frame of each: past the codec's start-up
    const full = enc.encode(toneFrame(440, 1, 8000));
    const half = v.apply(full, 0.5);
    const ratio = rms(dec.decode(half)) / rms(new OpusCodec().decode(full));
    expect(ratio).toBeGreaterThan(0.3);
    expect(ratio).toBeLessThan(0.7);
    const junk = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff);
    expect(v.apply(junk, 0.5)).toBe(junk);
    v.close();
    enc.close();
  });

  it('probeFfmpeg: the version line of a real ffmpeg, found: false for a path with none; probed once per path', () => {
    const p = probeFfmpeg(FFMPEG);
    expect(p.found).toBe(true);
    expect(p.version).toMatch(/^ffmpeg version /);
    expect(probeFfmpeg(FFMPEG)).toBe(p);
    expect(probeFfmpeg('/nonexistent/ffmpeg')).toEqual({ found: false, version: '' });
  });
});

describe('ffmpeg source, with the real ffmpeg (@ffmpeg-installer/ffmpeg)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'voicewire-ffmpeg-'));
  const wav = join(dir, 'tone-440.wav');
  writeFileSync(wav, wavFile(sine(440, 1)));
  const mp3 = join(dir, 'tone-1000.mp3');
  writeFileSync(join(dir, 'tone-1000.wav'), wavFile(sine(1000, 1)));
  const made = spawnSync(FFMPEG, ['-hide_banner', '-loglevel', 'error', '-y', '-i', join(dir, 'tone-1000.wav'), '-c:a', 'libmp3lame', '-b:a', '128k', mp3]);
  const long = join(dir, 'long.wav');
  writeFileSync(long, wavFile(sine(440, 20, 2000)));

  it('the test files are real: ffmpeg made the MP3', () => {
    expect(made.status).toBe(0);
    expect(readFileSync(mp3).subarray(0, 3).toString('latin1')).toMatch(/^(ID3|\xff)/);
  });

  it('fails with a clear message when ffmpeg is missing', async () => {
    const r = createFfmpegResource(wav, { ffmpegPath: join(dir, 'no-such-ffmpeg') });
    await expect(r.read()).rejects.toMatchObject({ code: 'E_FFMPEG_MISSING', message: expect.stringMatching(/apt-get install ffmpeg/) });
  });

  it('a WAV file through ffmpeg (Ogg Opus out) is 1 s of 20 ms frames that still hold 440 Hz', async () => {
    const frames = await readAll(createFfmpegResource(wav, { ffmpegPath: FFMPEG }));
    expect(frames.length).toBeGreaterThanOrEqual(50);
    expect(frames.length).toBeLessThanOrEqual(52);
    const mid = decoded(frames, 10, 40);
    expect(power(mid, 440)).toBeGreaterThan(100 * power(mid, 1000));
  });

  it('an MP3 file through ffmpeg holds its 1 kHz tone', async () => {
    const frames = await readAll(createFfmpegResource(mp3, { ffmpegPath: FFMPEG }));
    expect(frames.length).toBeGreaterThanOrEqual(50);
    const mid = decoded(frames, 10, 40);
    expect(power(mid, 1000)).toBeGreaterThan(100 * power(mid, 440));
  });

  it('reports a real ffmpeg failure (a file that is not audio) with its message instead of a short track', async () => {
    const junk = join(dir, 'junk.mp3');
    writeFileSync(junk, 'this is not an mp3 file at all\n'.repeat(10));
    await expect(readAll(createFfmpegResource(junk, { ffmpegPath: FFMPEG }))).rejects.toMatchObject({ code: 'E_FFMPEG_FAILED', message: expect.stringMatching(/junk\.mp3/) });
  });

  it('kills ffmpeg when the resource is closed early', async () => {
    const r = createFfmpegResource(long, { ffmpegPath: FFMPEG, inputArgs: ['-re'], output: 'pcm' });
    expect(await r.read()).not.toBeNull();
    const running = (): boolean => readdirSync('/proc').some((p) => {
      if (!/^\d+$/.test(p)) return false;
      try {
        return readFileSync(`/proc/${p}/cmdline`, 'latin1').includes(long);
      } catch {
        return false;
      }
    });
    expect(running()).toBe(true);
    r.close();
    await until(() => !running(), 5_000, 'ffmpeg to exit after close()');
    expect(running()).toBe(false);
  });

  it('PCM out of ffmpeg is encoded by us with the volume applied: 0.5 halves the level', async () => {
    const full = await readAll(createFfmpegResource(wav, { ffmpegPath: FFMPEG, output: 'pcm' }));
    const half = await readAll(createFfmpegResource(wav, { ffmpegPath: FFMPEG, output: 'pcm', volume: 0.5 }));
    expect(full).toHaveLength(50);
    expect(half).toHaveLength(50);
    const ratio = Math.sqrt(power(decoded(half, 10, 40), 440) / power(decoded(full, 10, 40), 440));
    expect(ratio).toBeGreaterThan(0.4);
    expect(ratio).toBeLessThan(0.6);
  });

  it('a missing file is a clear AudioError at once, for ffmpeg and Ogg file resources alike; URLs are left to ffmpeg', () => {
    expect(() => createFfmpegResource(join(dir, 'missing.mp3'))).toThrow(expect.objectContaining({ code: 'E_FILE_NOT_FOUND', message: expect.stringContaining('missing.mp3') }));
    expect(() => createOggOpusFileResource(join(dir, 'missing.ogg'))).toThrow(expect.objectContaining({ code: 'E_FILE_NOT_FOUND' }));
    expect(() => createFfmpegResource(dir)).toThrow(/is not a file/);
    const r = createFfmpegResource('https://example.invalid/a.mp3', { ffmpegPath: join(dir, 'no-such-ffmpeg') });
    r.close();
  });

  it('takes a stream (a Readable or any async iterable of bytes) and pipes it into ffmpeg', async () => {
    const bytes = readFileSync(mp3);
    async function* chunks(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < bytes.length; i += 1000) yield bytes.subarray(i, i + 1000);
    }
    const a = await readAll(createFfmpegResource(chunks(), { ffmpegPath: FFMPEG, title: 'from a stream' }));
    expect(a.length).toBeGreaterThanOrEqual(50);
    const b = await readAll(createFfmpegResource(createReadStream(wav), { ffmpegPath: FFMPEG }));
    expect(b.length).toBeGreaterThanOrEqual(50);
    const mid = decoded(b, 10, 40);
    expect(power(mid, 440)).toBeGreaterThan(100 * power(mid, 1000));
  });
});
