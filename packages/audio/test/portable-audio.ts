// Audio checks that run unchanged on Node, Bun and Deno (no vitest): the Opus codec the runtime gets (native
// where @discordjs/opus loads, WebAssembly elsewhere), a tone through encode/decode, Ogg Opus mux → demux, and a
// PCM resource through the codec. Used by the Bun suite and by `deno run` (the block at the bottom).
import { assert as check, power, runCases, toneFrame as tone, type TestCase } from '@voicewire/testkit';
import { createPcmResource, demuxOggOpus, describeOpus, muxOggOpus, OpusCodec, PCM_FRAME_BYTES, type OpusBackendName } from '../src/index.js';



/** `expected` is the backend this runtime must pick by default ('wasm' on Bun and Deno). */
export function audioCases(runtime: string, expected: OpusBackendName): TestCase[] {
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

// Deno: `deno run -A --unstable-sloppy-imports --node-modules-dir=manual test/portable-audio.ts` from packages/audio.
const deno = (globalThis as { Deno?: { version: { deno: string }; exit(code: number): never; mainModule?: string } }).Deno;
if (deno && deno.mainModule === import.meta.url) {
  const r = await runCases(`audio on Deno ${deno.version.deno}`, audioCases('deno', 'wasm'));
  console.log(`RESULT ${JSON.stringify({ suite: 'audio-deno', runtime: `Deno ${deno.version.deno}`, passed: r.passed, failed: r.failed })}`);
  deno.exit(r.failed === 0 ? 0 : 1);
}
