// listen(): several readers of chunks() each get every chunk; the errors it gives name what happened; a conversion
// that fails is counted and reported, never hidden (libsamplerate is made to fail to load here).
import { afterEach, describe, expect, it } from 'vitest';
import { listen, OpusCodec, type UtteranceChunk } from '../src/index.js';
import { toneFrame } from '@voicewire/testkit';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { samplerate } from '../src/resample.js';

const realLoad = samplerate.load;
afterEach(() => {
  samplerate.load = realLoad;
});

const source = { on: () => {}, off: () => {} };
const encodeTone = (hz: number, n: number): Uint8Array[] => {
  const c = new OpusCodec();
  const out = Array.from({ length: n }, (_, i) => c.encode(toneFrame(hz, i)));
  c.close();
  return out;
};
async function drain(it: AsyncIterableIterator<UtteranceChunk>): Promise<UtteranceChunk[]> {
  const got: UtteranceChunk[] = [];
  for await (const c of it) got.push(c);
  return got;
}

describe('listen(): readers, errors', () => {
  it('two readers of chunks() each get every chunk, in order; one that returns early does not take from the other', async () => {
    const l = listen(source);
    const first = drain(l.chunks());
    const second = l.chunks();
    const secondGot: UtteranceChunk[] = [];
    const reading = (async () => {
      for await (const c of second) {
        secondGot.push(c);
        if (secondGot.length === 5) break; // return(): this reader leaves
      }
    })();
    encodeTone(440, 20).forEach((p, i) => l.push('A', i * 960, p, 1000 + i * 20));
    await l.close();
    await reading;
    const got = await first;
    expect(got.map((c) => c.timeMs)).toEqual(Array.from({ length: 20 }, (_, i) => 1000 + i * 20));
    expect(secondGot.map((c) => c.timeMs)).toEqual(got.slice(0, 5).map((c) => c.timeMs));
    expect(l.stats.droppedChunks).toBe(0);
  });

  it('a second recordMix() is E_ALREADY_RUNNING and names the file being written', async () => {
    const l = listen(source);
    const path = join(mkdtempSync(join(tmpdir(), 'voicewire-mix-')), 'call.wav');
    l.recordMix(path);
    expect(() => l.recordMix(path)).toThrow(expect.objectContaining({ code: 'E_ALREADY_RUNNING', message: expect.stringContaining(path) }));
    await l.close();
  });

  it('a conversion that fails (16 kHz without libsamplerate) is counted and warned once per user, not hidden', async () => {
    samplerate.load = async () => {
      throw new Error('libsamplerate is not available here');
    };
    const l = listen(source, { format: { sampleRate: 16000, channels: 1 } });
    const warnings: { code: string; userId?: string }[] = [];
    l.on('warning', (w) => warnings.push(w));
    const chunks = drain(l.chunks());
    encodeTone(440, 10).forEach((p, i) => {
      l.push('A', i * 960, p, 1000 + i * 20);
      l.push('B', i * 960, p, 1000 + i * 20);
    });
    await l.close();
    expect(await chunks).toEqual([]);
    expect(l.stats.conversionErrors).toBe(20);
    expect(warnings).toEqual([expect.objectContaining({ code: 'E_CONVERSION', userId: 'A' }), expect.objectContaining({ code: 'E_CONVERSION', userId: 'B' })]);
  });
});
