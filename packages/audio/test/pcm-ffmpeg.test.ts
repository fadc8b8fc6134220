import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyVolume, createFfmpegResource, createOggOpusFileResource, muxOggOpus, OpusCodec, PCM_FRAME_BYTES, UserRecorder, demuxOggOpus, wavFile, type AudioResource } from '../src/index.js';

const tone = (n: number): Uint8Array => {
  const pcm = new Uint8Array(PCM_FRAME_BYTES);
  const dv = new DataView(pcm.buffer);
  for (let i = 0; i < 960; i++) {
    const v = Math.round(Math.sin(((n * 960 + i) * 2 * Math.PI * 440) / 48000) * 8000);
    dv.setInt16(i * 4, v, true);
    dv.setInt16(i * 4 + 2, v, true);
  }
  return pcm;
};

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

describe('ffmpeg source (with stand-in ffmpeg scripts: no real ffmpeg needed)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'voicewire-ffmpeg-'));
  const oggFile = join(dir, 'clip.ogg');
  const codec = new OpusCodec();
  writeFileSync(oggFile, muxOggOpus(Array.from({ length: 10 }, (_, i) => codec.encode(tone(i)))));
  const script = (name: string, body: string): string => {
    const p = join(dir, name);
    writeFileSync(p, `#!/bin/sh\n${body}\n`);
    chmodSync(p, 0o755);
    return p;
  };

  it('fails with a clear message when ffmpeg is missing', async () => {
    const r = createFfmpegResource(oggFile, { ffmpegPath: join(dir, 'no-such-ffmpeg') });
    await expect(r.read()).rejects.toMatchObject({ code: 'E_FFMPEG_MISSING', message: expect.stringMatching(/apt-get install ffmpeg/) });
  });

  it('reads Ogg Opus that ffmpeg writes to stdout, passing arguments for 20 ms libopus frames', async () => {
    const argsFile = join(dir, 'args.txt');
    const fake = script('ffmpeg-ok', `echo "$@" > ${argsFile}\ncat ${oggFile}`);
    const frames = await readAll(createFfmpegResource(oggFile, { ffmpegPath: fake }));
    expect(frames).toHaveLength(10);
    const args = (await import('node:fs')).readFileSync(argsFile, 'utf8');
    expect(args).toContain(`-i ${oggFile}`);
    expect(args).toMatch(/-c:a libopus/);
    expect(args).toMatch(/-frame_duration 20/);
  });

  it('reports an ffmpeg failure with its message instead of a short track', async () => {
    const fake = script('ffmpeg-fail', 'echo "input.mp3: No such file or directory" >&2\nexit 1');
    await expect(readAll(createFfmpegResource(oggFile, { ffmpegPath: fake }))).rejects.toMatchObject({ code: 'E_FFMPEG_FAILED', message: expect.stringMatching(/No such file/) });
  });

  it('kills ffmpeg when the resource is closed early', async () => {
    const pidFile = join(dir, 'pid.txt');
    const fake = script('ffmpeg-slow', `echo $$ > ${pidFile}\ncat ${oggFile}\nexec sleep 60`);
    const r = createFfmpegResource(oggFile, { ffmpegPath: fake });
    expect(await r.read()).not.toBeNull();
    const fs = await import('node:fs');
    const pid = Number(fs.readFileSync(pidFile, 'utf8'));
    const alive = (): boolean => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    expect(alive()).toBe(true);
    r.close();
    for (let i = 0; i < 100 && alive(); i++) await new Promise((res) => setTimeout(res, 20));
    expect(alive()).toBe(false);
  });

  it('decodes PCM from ffmpeg and encodes it with the volume applied', async () => {
    const pcmFile = join(dir, 'pcm.raw');
    writeFileSync(pcmFile, Buffer.concat([tone(0), tone(1), tone(2)]));
    const fake = script('ffmpeg-pcm', `cat ${pcmFile}`);
    const frames = await readAll(createFfmpegResource(oggFile, { ffmpegPath: fake, output: 'pcm', volume: 0.5 }));
    expect(frames).toHaveLength(3);
  });

  it('a missing file is a clear AudioError at once, for ffmpeg and Ogg file resources alike; URLs are left to ffmpeg', () => {
    expect(() => createFfmpegResource(join(dir, 'missing.mp3'))).toThrow(expect.objectContaining({ code: 'E_FILE_NOT_FOUND', message: expect.stringContaining('missing.mp3') }));
    expect(() => createOggOpusFileResource(join(dir, 'missing.ogg'))).toThrow(expect.objectContaining({ code: 'E_FILE_NOT_FOUND' }));
    expect(() => createFfmpegResource(dir)).toThrow(/is not a file/);
    const r = createFfmpegResource('https://example.invalid/a.mp3', { ffmpegPath: join(dir, 'no-such-ffmpeg') });
    r.close();
  });

  it('takes a stream (a Readable or any async iterable of bytes) and pipes it into ffmpeg', async () => {
    const fake = script('ffmpeg-stdin', `echo "$@" > ${join(dir, 'stdin-args.txt')}\ncat`); // reads pipe:0, writes pipe:1
    const bytes = (await import('node:fs')).readFileSync(oggFile);
    async function* chunks(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < bytes.length; i += 100) yield bytes.subarray(i, i + 100);
    }
    expect(await readAll(createFfmpegResource(chunks(), { ffmpegPath: fake, title: 'from a stream' }))).toHaveLength(10);
    expect((await import('node:fs')).readFileSync(join(dir, 'stdin-args.txt'), 'utf8')).toContain('-i pipe:0');
    const { createReadStream } = await import('node:fs');
    expect(await readAll(createFfmpegResource(createReadStream(oggFile), { ffmpegPath: fake }))).toHaveLength(10);
  });
});
