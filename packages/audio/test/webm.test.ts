// WebM/Matroska Opus demuxing against files the real ffmpeg writes (from @ffmpeg-installer/ffmpeg): seekable
// files, live output to a pipe (unknown sizes), video + audio, Vorbis, wrong frame sizes, and hostile bytes.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AudioError, demuxOggOpus, demuxWebmOpus, OpusCodec, WebmOpusDemuxer } from '../src/index.js';
import { power } from '@voicewire/testkit';

const FFMPEG = (createRequire(import.meta.url)('@ffmpeg-installer/ffmpeg') as { path: string }).path;
const dir = mkdtempSync(join(tmpdir(), 'voicewire-webm-'));

/** Runs ffmpeg; returns the output file's bytes (or stdout when out is 'pipe:1'). */
function ffmpeg(args: string[], out: string): Uint8Array {
  const r = spawnSync(FFMPEG, ['-hide_banner', '-loglevel', 'error', '-y', ...args, out === 'pipe:1' ? out : join(dir, out)], { maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`ffmpeg failed: ${r.stderr}`);
  return out === 'pipe:1' ? new Uint8Array(r.stdout) : new Uint8Array(readFileSync(join(dir, out)));
}
const tone = (hz: number, seconds: number) => ['-f', 'lavfi', '-i', `sine=frequency=${hz}:duration=${seconds}:sample_rate=48000`, '-ac', '2'];
const opus = ['-c:a', 'libopus', '-b:a', '64k', '-frame_duration', '20'];

const webm440 = ffmpeg([...tone(440, 1), ...opus], 'tone.webm');
const ogg440 = ffmpeg(['-i', join(dir, 'tone.webm'), '-c:a', 'copy'], 'tone.ogg');
const live = ffmpeg([...tone(440, 1), ...opus, '-f', 'webm', '-live', '1'], 'pipe:1');
const video = ffmpeg(['-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=10:duration=1', ...tone(440, 1), '-c:v', 'libvpx', '-b:v', '50k', ...opus, '-shortest'], 'video.webm');
const vorbis = ffmpeg([...tone(440, 1), '-c:a', 'libvorbis'], 'vorbis.webm');
const sixty = ffmpeg([...tone(440, 1), '-c:a', 'libopus', '-frame_duration', '60'], 'sixty.webm');
const mka = ffmpeg([...tone(440, 1), ...opus], 'tone.mka');

function demuxAll(bytes: Uint8Array, chunk = bytes.length): Uint8Array[] {
  const d = new WebmOpusDemuxer();
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += chunk) out.push(...d.push(bytes.subarray(i, i + chunk)));
  d.end();
  return out;
}

const indexOfId = (b: Uint8Array, id: number[]): number => b.findIndex((_, i) => id.every((x, j) => b[i + j] === x));
const same = (a: Uint8Array[], b: Uint8Array[]): boolean => a.length === b.length && a.every((x, i) => Buffer.compare(x, b[i] as Uint8Array) === 0);

describe('WebM Opus demuxer (files from the real ffmpeg)', () => {
  it('a WebM Opus file gives the same packets as ffmpeg\'s own remux of it to Ogg, whatever the chunking', async () => {
    const fromOgg: Uint8Array[] = [];
    for await (const f of demuxOggOpus([ogg440])) fromOgg.push(f);
    const whole = demuxAll(webm440);
    expect(whole.length).toBeGreaterThanOrEqual(50);
    expect(same(whole, fromOgg)).toBe(true);
    expect(same(demuxAll(webm440, 1), whole)).toBe(true);
    expect(same(demuxAll(webm440, 7), whole)).toBe(true);
    const d = new WebmOpusDemuxer();
    d.push(webm440);
    expect(d.head).toMatchObject({ channels: 2, inputSampleRate: 48000 });
  });

  it('any chunking into separate buffers gives the same packets, as views of those buffers (only an element across a cut is copied)', () => {
    const whole = demuxAll(webm440);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 3000 }), { minLength: 1, maxLength: 40 }), (sizes) => {
        const d = new WebmOpusDemuxer();
        const got: Uint8Array[] = [];
        const chunks: Uint8Array[] = [];
        for (let i = 0, k = 0; i < webm440.length; k++) {
          const n = sizes[k % sizes.length] as number;
          const c = webm440.slice(i, i + n); // its own buffer, as a file or socket stream hands it over
          chunks.push(c);
          got.push(...d.push(c));
          i += n;
        }
        d.end();
        expect(same(got, whole)).toBe(true);
        const buffers = new Set(chunks.map((c) => c.buffer));
        const views = got.filter((f) => buffers.has(f.buffer)).length;
        // each copy is one packet that straddled a cut: there are at most as many as cuts
        expect(got.length - views).toBeLessThanOrEqual(chunks.length);
      }),
      { numRuns: 40 },
    );
  });

  it('the packets decode to the 440 Hz tone that was encoded', () => {
    const codec = new OpusCodec();
    const pcm = Buffer.concat(demuxAll(webm440).map((f) => codec.decode(f)).slice(10, 40));
    codec.close();
    expect(power(pcm, 440)).toBeGreaterThan(100 * power(pcm, 1000));
  });

  it('live WebM written to a pipe (Segment and Clusters of unknown size) and Matroska (.mka) demux the same', () => {
    const whole = demuxAll(webm440);
    expect(same(demuxAll(live, 100), whole)).toBe(true);
    expect(same(demuxAll(mka, 333), whole)).toBe(true);
  });

  it('video + Opus: the video blocks are skipped and counted, the audio comes out', () => {
    const d = new WebmOpusDemuxer();
    const out = d.push(video);
    d.end();
    expect(out.length).toBeGreaterThanOrEqual(45);
    expect(d.otherTrackBlocks).toBeGreaterThan(0);
  });

  it('a Vorbis track is E_NOT_OPUS naming the codec and the way out (StreamType.Arbitrary)', () => {
    expect(() => demuxAll(vorbis)).toThrow(expect.objectContaining({ code: 'E_NOT_OPUS', message: expect.stringMatching(/A_VORBIS.*Arbitrary/) }));
  });

  it('60 ms Opus frames are E_FRAME_SIZE saying how to re-encode', () => {
    expect(() => demuxAll(sixty)).toThrow(expect.objectContaining({ code: 'E_FRAME_SIZE', message: expect.stringMatching(/60 ms.*frame_duration 20/) }));
  });

  it('input that is not WebM is E_NOT_WEBM at once; a stream cut inside a block is E_CORRUPT at the end', async () => {
    expect(() => new WebmOpusDemuxer().push(ogg440)).toThrow(expect.objectContaining({ code: 'E_NOT_WEBM' }));
    await expect((async () => {
      for await (const _ of demuxWebmOpus([webm440.subarray(0, webm440.length - 10)]));
    })()).rejects.toMatchObject({ code: 'E_CORRUPT' });
  });

  it('a huge skipped element (declared 1 GB) is skipped across pushes without being buffered', () => {
    const d = new WebmOpusDemuxer();
    // EBML header + Segment (unknown size) + a Void element (0xEC) of 2^30 bytes
    const header = webm440.subarray(0, indexOfId(webm440, [0x18, 0x53, 0x80, 0x67]));
    d.push(header);
    d.push(Uint8Array.of(0x18, 0x53, 0x80, 0x67, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff));
    d.push(Uint8Array.of(0xec, 0x08, 0x40, 0x00, 0x00, 0x00)); // 5-byte size: 0x40000000
    const mb = new Uint8Array(1 << 20);
    for (let i = 0; i < 20; i++) d.push(mb);
    expect(d.bufferedBytes).toBe(0);
  });

  it('a block that declares more than the cap is E_CORRUPT at once, not a wait for gigabytes', () => {
    const d = new WebmOpusDemuxer();
    const cut = indexOfId(webm440, [0x1f, 0x43, 0xb6, 0x75]);
    d.push(webm440.subarray(0, cut));
    expect(() => d.push(Uint8Array.of(0x1f, 0x43, 0xb6, 0x75, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xa3, 0x08, 0x10, 0x00, 0x00, 0x00, 0x81, 0x00))).toThrow(expect.objectContaining({ code: 'E_CORRUPT', message: expect.stringMatching(/268435456 bytes \(more than/) }));
  });

  it('hostile bytes: random input, and valid files with bytes flipped or cut, only ever raise AudioError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.integer({ min: 0, max: webm440.length - 1 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 1, max: 64 }), (junk, at, byte, chunk) => {
        for (const input of [junk, (() => {
          const b = webm440.slice();
          b[at] = byte;
          return b;
        })(), Uint8Array.from([...webm440.subarray(0, at), ...junk])]) {
          try {
            demuxAll(input, chunk);
          } catch (e) {
            if (!(e instanceof AudioError)) throw e;
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
