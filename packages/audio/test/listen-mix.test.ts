// Listening (per-user decode, concealment, utterances, resampling, the mixed recording) and the Mixer, with
// packets made by the Opus encoder and fed at known times: every expectation is measured in the audio itself.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createFramesResource, demuxOggOpus, listen, Mixer, OpusCodec, PCM_FRAME_BYTES, UserDecoder, type UtteranceChunk } from '../src/index.js';
import { power, toneFrame as tone, until } from '@voicewire/testkit';

const SILENCE = Uint8Array.of(0xf8, 0xff, 0xfe);
const concat = (parts: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(parts));
function encodeTone(hz: number, frames: number, amp = 8000): Uint8Array[] {
  const c = new OpusCodec();
  const out = Array.from({ length: frames }, (_, n) => c.encode(tone(hz, n, amp)));
  c.close();
  return out;
}
/** A source the listener can attach to; tests push packets through listener.push. */
const source = { on() {}, off() {} };

describe('UserDecoder: loss concealment, late packets, gaps', () => {
  it('10 % loss: every lost frame is concealed and counted, and the decoded length is exact', () => {
    const packets = encodeTone(440, 100);
    const d = new UserDecoder(5);
    let frames = 0;
    let concealed = 0;
    const pcm: Uint8Array[] = [];
    packets.forEach((p, i) => {
      if (i % 10 === 5) return; // lost on the way
      for (const f of d.push(1000 + i * 960, p, i * 20)) {
        frames++;
        if (f.concealed) concealed++;
        pcm.push(f.pcm);
      }
    });
    expect(d.stats.concealed).toBe(10);
    expect(concealed).toBe(10);
    expect(frames).toBe(100);
    expect(concat(pcm).length).toBe(100 * PCM_FRAME_BYTES);
    const all = concat(pcm);
    expect(power(all, 440)).toBeGreaterThan(50 * power(all, 1000));
  });

  it('a packet older than the last decoded is late: dropped and counted; RTP timestamps wrap', () => {
    const [a, b, c] = encodeTone(440, 3) as [Uint8Array, Uint8Array, Uint8Array];
    const d = new UserDecoder(5);
    const t0 = 0xffffffff - 960; // wraps between the first and second packet
    expect(d.push(t0 >>> 0, a, 0)).toHaveLength(1);
    expect(d.push((t0 + 2 * 960) >>> 0, c, 40).map((f) => f.concealed)).toEqual([true, false]);
    expect(d.push((t0 + 960) >>> 0, b, 45)).toHaveLength(0);
    expect(d.stats.late).toBe(1);
  });

  it('a gap longer than maxConcealMs is silence: nothing is filled in', () => {
    const p = encodeTone(440, 2);
    const d = new UserDecoder(5);
    d.push(0, p[0] as Uint8Array, 0);
    const after = d.push(960 * 50, p[1] as Uint8Array, 1000); // 1 s later
    expect(after).toHaveLength(1);
    expect(after[0]?.gapBefore).toBe(true);
    expect(d.stats).toMatchObject({ concealed: 0, gaps: 1 });
  });
});

describe('listen(): utterances on one clock, formats, bounds, the mixed recording', () => {
  it('two users: each chunk holds its own user\'s tone, and utterances start and end where the speech did', async () => {
    const l = listen(source, { hangoverMs: 200 });
    const chunks: UtteranceChunk[] = [];
    const consumer = (async () => {
      for await (const c of l.chunks()) chunks.push(c);
    })();
    const ends: { userId: string; startMs: number; endMs: number }[] = [];
    l.on('utteranceEnd', (u) => ends.push(u));
    const a = encodeTone(440, 25);
    const b = encodeTone(1000, 25);
    // A speaks from t=1000 ms for 500 ms; B from t=1200 ms for 500 ms; each ends with the 5 silence frames clients send
    for (let i = 0; i < 40; i++) {
      const t = 1000 + i * 20;
      if (i < 30) l.push('A', 5000 + i * 960, i < 25 ? (a[i] as Uint8Array) : SILENCE, t);
      if (i >= 10) l.push('B', 9000 + (i - 10) * 960, i < 35 ? (b[i - 10] as Uint8Array) : SILENCE, t);
    }
    await l.close(); // delivers every chunk of what was pushed before it
    await consumer;
    const of = (u: string) => concat(chunks.filter((c) => c.userId === u).map((c) => c.pcm));
    expect(power(of('A'), 440)).toBeGreaterThan(50 * power(of('A'), 1000));
    expect(power(of('B'), 1000)).toBeGreaterThan(50 * power(of('B'), 440));
    const ua = ends.find((e) => e.userId === 'A');
    const ub = ends.find((e) => e.userId === 'B');
    expect(ua?.startMs).toBe(1000);
    expect(ua?.endMs).toBe(1500); // the silence frames are not speech
    expect(ub?.startMs).toBe(1200);
    expect(ub?.endMs).toBe(1700);
    expect(chunks.filter((c) => c.userId === 'A')).toHaveLength(25);
  });

  it('16 kHz mono through libsamplerate keeps the tone and the duration', async () => {
    const l = listen(source, { format: { sampleRate: 16000, channels: 1 } });
    const chunks: UtteranceChunk[] = [];
    const consumer = (async () => {
      for await (const c of l.chunks()) chunks.push(c);
    })();
    encodeTone(440, 50).forEach((p, i) => l.push('A', i * 960, p, i * 20));
    // closed at once, while the resampler may still be loading: close() delivers every chunk pushed before it
    // (it used to end the consumer's loop at the first chunk that was not converted yet)
    await l.close();
    await consumer;
    expect(chunks.every((c) => c.sampleRate === 16000 && c.channels === 1)).toBe(true);
    const pcm = concat(chunks.map((c) => c.pcm));
    // 50 frames of 20 ms at 16 kHz mono = 16,000 samples, less the resampler's delay
    expect(pcm.length / 2).toBeGreaterThan(15_000);
    expect(pcm.length / 2).toBeLessThanOrEqual(16_000);
    const tail = pcm.subarray(pcm.length - 16000);
    expect(power(tail, 440, { sampleRate: 16000, channels: 1 })).toBeGreaterThan(50 * power(tail, 1000, { sampleRate: 16000, channels: 1 }));
  });

  it('memory is bounded: users beyond maxUsers and chunks a slow consumer does not take are dropped and counted', async () => {
    const l = listen(source, { maxUsers: 2, maxQueuedChunks: 10 });
    const it = l.chunks(); // a consumer that never reads
    const p = encodeTone(440, 30);
    for (const u of ['A', 'B', 'C']) p.forEach((f, i) => l.push(u, i * 960, f, i * 20));
    await until(() => l.stats.droppedChunks >= 50, 5_000, 'the chunks beyond maxQueuedChunks to be dropped');
    expect(l.stats.droppedUsers).toBe(30);
    expect(l.stats.droppedChunks).toBe(60 - 10);
    await l.close();
    await it.return?.();
  });

  it('the mixed recording (WAV and Ogg Opus) holds both users, aligned: A then B', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'voicewire-mix-'));
    for (const format of ['wav', 'ogg'] as const) {
      const l = listen(source, { hangoverMs: 100 });
      l.recordMix(join(dir, `mix.${format}`));
      const a = encodeTone(440, 25);
      const b = encodeTone(1000, 25);
      a.forEach((f, i) => l.push('A', i * 960, f, 1000 + i * 20)); // 1.0–1.5 s
      b.forEach((f, i) => l.push('B', 7 * 960 + i * 960, f, 1600 + i * 20)); // 1.6–2.1 s
      const mix = await l.close();
      expect(mix?.durationMs).toBe(1100);
      let pcm: Uint8Array;
      if (format === 'wav') pcm = new Uint8Array(readFileSync(join(dir, 'mix.wav'))).subarray(44);
      else {
        const dec = new OpusCodec();
        const parts: Uint8Array[] = [];
        for await (const f of demuxOggOpus([new Uint8Array(readFileSync(join(dir, 'mix.ogg')))])) parts.push(dec.decode(f));
        pcm = concat(parts);
      }
      expect(pcm.length).toBe(55 * PCM_FRAME_BYTES);
      const first = pcm.subarray(5 * PCM_FRAME_BYTES, 20 * PCM_FRAME_BYTES);
      const last = pcm.subarray(35 * PCM_FRAME_BYTES, 50 * PCM_FRAME_BYTES);
      expect(power(first, 440)).toBeGreaterThan(20 * power(first, 1000));
      expect(power(last, 1000)).toBeGreaterThan(20 * power(last, 440));
    }
  });
});

describe('Mixer', () => {
  const level = (frames: Uint8Array[], hz: number): number => {
    const d = new OpusCodec();
    const p = concat(frames.map((f) => d.decode(f)));
    d.close();
    return Math.sqrt(power(p, hz));
  };

  it('one Opus track at unit gain passes through byte for byte (no decode, no encode)', async () => {
    const src = encodeTone(440, 20);
    const m = new Mixer({ endWhenEmpty: true });
    m.add(createFramesResource(src));
    const out: Uint8Array[] = [];
    for (let f = await m.read(); f; f = await m.read()) out.push(f);
    expect(out).toEqual(src);
    expect(m.passthroughFrames).toBe(20);
    expect(m.mixedFrames).toBe(0);
  });

  it('music at 440 Hz with a 1 kHz voice that ducks it to 30 %: both in one stream, the ducking at the right time', async () => {
    const m = new Mixer({ endWhenEmpty: true });
    m.add(createFramesResource(encodeTone(440, 150, 6000)), { name: 'music' });
    const out: Uint8Array[] = [];
    for (let i = 0; i < 150; i++) {
      if (i === 50) m.add(createFramesResource(encodeTone(1000, 50, 6000)), { name: 'voice', duck: 0.3 }); // 1.0–2.0 s
      out.push((await m.read()) as Uint8Array);
    }
    m.close();
    const before = out.slice(20, 45);
    const during = out.slice(60, 95); // after the 100 ms ramp
    const after = out.slice(115, 145);
    const ratio = level(during, 440) / level(before, 440);
    expect(ratio).toBeGreaterThan(0.22);
    expect(ratio).toBeLessThan(0.38);
    expect(level(after, 440) / level(before, 440)).toBeGreaterThan(0.85);
    expect(level(during, 1000)).toBeGreaterThan(3 * level(during, 440));
    expect(level(before, 1000)).toBeLessThan(0.1 * level(before, 440));
    expect(level(after, 1000)).toBeLessThan(0.1 * level(after, 440));
  });

  it('per-track volume, and a track that fails or is removed ends alone', async () => {
    const m = new Mixer({ endWhenEmpty: true });
    const a = m.add(createFramesResource(encodeTone(440, 30, 6000)), { volume: 0.5 });
    const broken = m.add({ title: 'broken', read: async () => Promise.reject(new Error('network')), close() {} });
    const half: Uint8Array[] = [];
    for (let i = 0; i < 20; i++) half.push((await m.read()) as Uint8Array);
    await broken.ended;
    a.remove();
    await a.ended;
    expect(await m.read()).toBeNull();
    const ref = encodeTone(440, 30, 6000).slice(5, 20);
    const ratio = level(half.slice(5, 20), 440) / level(ref, 440);
    expect(ratio).toBeGreaterThan(0.4);
    expect(ratio).toBeLessThan(0.6);
  });
});
