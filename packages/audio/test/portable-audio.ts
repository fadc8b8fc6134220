// Audio checks that run unchanged on Node, Bun and Deno (no vitest): the Opus codec the runtime gets (native
// where @discordjs/opus loads, WebAssembly elsewhere), a tone through encode/decode, Ogg Opus mux → demux, and a
// PCM resource through the codec. Used by the Bun suite and by `deno run` (see runDeno at the bottom).
import { createPcmResource, demuxOggOpus, describeOpus, muxOggOpus, OpusCodec, PCM_FRAME_BYTES, type OpusBackendName } from '../src/index.js';

export interface AudioCase {
  name: string;
  run: () => void | Promise<void>;
}

function check(ok: unknown, what: string): asserts ok {
  if (!ok) throw new Error(`expected ${what}`);
}

export const tone = (hz: number, n: number, amp = 8000): Uint8Array => {
  const pcm = new Uint8Array(PCM_FRAME_BYTES);
  const dv = new DataView(pcm.buffer);
  for (let i = 0; i < 960; i++) {
    const v = Math.round(Math.sin(((n * 960 + i) * 2 * Math.PI * hz) / 48000) * amp);
    dv.setInt16(i * 4, v, true);
    dv.setInt16(i * 4 + 2, v, true);
  }
  return pcm;
};

/** Power of one frequency in the left channel (Goertzel), normalised by the number of samples. */
export function power(pcm: Uint8Array, hz: number): number {
  const dv = new DataView(pcm.buffer, pcm.byteOffset, pcm.byteLength);
  const n = pcm.length / 4;
  const k = 2 * Math.cos((2 * Math.PI * hz) / 48000);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const s0 = dv.getInt16(i * 4, true) + k * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return (s1 * s1 + s2 * s2 - k * s1 * s2) / (n * n);
}

/** `expected` is the backend this runtime must pick by default ('wasm' on Bun and Deno). */
export function audioCases(runtime: string, expected: OpusBackendName): AudioCase[] {
  return [
    {
      name: `${runtime}: importing @voicewire/audio works and the default Opus codec is ${expected}`,
      run: () => {
        const d = describeOpus();
        check(d.backend === expected, `backend ${expected}, got ${JSON.stringify(d)}`);
        check(new OpusCodec().backend === expected, `a new OpusCodec to use ${expected}`);
      },
    },
    {
      name: `${runtime}: a 440 Hz tone survives Opus encode and decode with the default codec`,
      run: () => {
        const codec = new OpusCodec();
        let out: Uint8Array = new Uint8Array(0);
        for (let n = 0; n < 5; n++) out = codec.decode(codec.encode(tone(440, n)));
        codec.close();
        check(out.length === PCM_FRAME_BYTES, `a ${PCM_FRAME_BYTES}-byte frame, got ${out.length}`);
        check(power(out, 440) > 100 * power(out, 1000), `440 Hz to dominate 1 kHz (${power(out, 440).toFixed(0)} vs ${power(out, 1000).toFixed(0)})`);
      },
    },
    {
      name: `${runtime}: Ogg Opus mux then demux gives back the same packets`,
      run: async () => {
        const codec = new OpusCodec();
        const frames = Array.from({ length: 60 }, (_, n) => codec.encode(tone(440, n)));
        codec.close();
        const ogg = muxOggOpus(frames);
        const back: Uint8Array[] = [];
        for await (const f of demuxOggOpus([ogg.subarray(0, 1000), ogg.subarray(1000)])) back.push(f);
        check(back.length === frames.length, `${frames.length} packets, got ${back.length}`);
        check(back.every((f, i) => f.length === frames[i]!.length && f.every((b, j) => b === frames[i]![j])), 'every packet byte-identical');
      },
    },
    {
      name: `${runtime}: a PCM resource encodes through the codec into 20 ms Opus frames and closes`,
      run: async () => {
        async function* pcm() {
          for (let n = 0; n < 10; n++) yield tone(440, n);
        }
        const res = createPcmResource(pcm(), { volume: 0.5 });
        const dec = new OpusCodec();
        let count = 0;
        let last: Uint8Array = new Uint8Array(0);
        for (let f = await res.read(); f; f = await res.read()) {
          count++;
          last = dec.decode(f);
        }
        dec.close();
        res.close();
        check(count === 10, `10 frames, got ${count}`);
        check(power(last, 440) > 100 * power(last, 1000), 'the tone in the last frame');
      },
    },
  ];
}

/** Runs the cases and prints the `RESULT {json}` line scripts/test-runtimes.mjs reads. */
export async function runAudioCases(title: string, cases: AudioCase[]): Promise<{ passed: number; failed: number }> {
  let passed = 0;
  let failed = 0;
  for (const c of cases) {
    try {
      await c.run();
      passed++;
      console.log(`  ✓ ${c.name}`);
    } catch (e) {
      failed++;
      console.log(`  ✗ ${c.name}\n      ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  console.log(`${title}: ${passed} passed, ${failed} failed`);
  return { passed, failed };
}

// Deno: `deno run -A --unstable-sloppy-imports --node-modules-dir=manual test/portable-audio.ts` from packages/audio.
const deno = (globalThis as { Deno?: { version: { deno: string }; exit(code: number): never; mainModule?: string } }).Deno;
if (deno && deno.mainModule === import.meta.url) {
  const r = await runAudioCases(`audio on Deno ${deno.version.deno}`, audioCases('deno', 'wasm'));
  console.log(`RESULT ${JSON.stringify({ suite: 'audio-deno', runtime: `Deno ${deno.version.deno}`, ...r })}`);
  deno.exit(r.failed === 0 ? 0 : 1);
}
