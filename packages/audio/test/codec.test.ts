import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createPcmResource, describeOpus, OpusCodec, PCM_FRAME_BYTES, setOpusBackend, type OpusBackendName } from '../src/index.js';
import { power, toneFrame as tone } from '@voicewire/testkit';

const here = dirname(fileURLToPath(import.meta.url));
const BACKENDS: OpusBackendName[] = ['native', 'wasm'];

afterEach(() => setOpusBackend(null));

describe('Opus codec backends: @discordjs/opus (native) and opusscript (WebAssembly)', () => {
  for (const backend of BACKENDS) {
    it(`${backend}: a 440 Hz tone survives encode and decode, and stays 440 Hz`, () => {
      const codec = new OpusCodec({ backend });
      expect(codec.backend).toBe(backend);
      // The encoder has a look-ahead: judge the fifth frame, by which time the tone has reached the output.
      let out: Uint8Array = new Uint8Array(0);
      for (let n = 0; n < 5; n++) out = codec.decode(codec.encode(tone(440, n)));
      expect(out.length).toBe(PCM_FRAME_BYTES);
      expect(power(out, 440)).toBeGreaterThan(100 * power(out, 1000));
      expect(power(out, 440)).toBeGreaterThan(0.3 * power(tone(440, 4), 440));
      codec.close();
    });

    it(`${backend}: a corrupt frame throws (callers catch it), a wrong PCM length is E_BAD_PCM, and a closed codec says so`, () => {
      const codec = new OpusCodec({ backend });
      expect(() => codec.decode(Uint8Array.from([0xff, 0xff, 0xff]))).toThrow();
      expect(() => codec.encode(new Uint8Array(100))).toThrow(expect.objectContaining({ code: 'E_BAD_PCM' }));
      codec.close();
      codec.close();
      expect(() => codec.encode(tone(440, 0))).toThrow(expect.objectContaining({ code: 'E_CODEC_CLOSED' }));
    });
  }

  it('the two backends speak the same Opus: frames from one decode to the same tone in the other', () => {
    const native = new OpusCodec({ backend: 'native' });
    const wasm = new OpusCodec({ backend: 'wasm' });
    let viaWasm: Uint8Array = new Uint8Array(0);
    let viaNative: Uint8Array = new Uint8Array(0);
    for (let n = 0; n < 5; n++) {
      viaWasm = wasm.decode(native.encode(tone(440, n)));
      viaNative = native.decode(wasm.encode(tone(440, n)));
    }
    expect(power(viaWasm, 440)).toBeGreaterThan(100 * power(viaWasm, 1000));
    expect(power(viaNative, 440)).toBeGreaterThan(100 * power(viaNative, 1000));
    native.close();
    wasm.close();
  });

  it('wasm: a codec made before the WebAssembly heap grows still encodes and decodes right afterwards', () => {
    const first = new OpusCodec({ backend: 'wasm' });
    const more = Array.from({ length: 600 }, () => new OpusCodec({ backend: 'wasm' })); // tens of MB: the heap grows
    let out: Uint8Array = new Uint8Array(0);
    for (let n = 0; n < 5; n++) out = first.decode(first.encode(tone(440, n)));
    expect(power(out, 440)).toBeGreaterThan(100 * power(out, 1000));
    expect(power(out, 440)).toBeGreaterThan(0.3 * power(tone(440, 4), 440));
    for (const c of more) c.close();
    first.close();
  });

  it('setOpusBackend pins the backend every resource uses, and describeOpus reports it', async () => {
    expect(describeOpus().backend).toBe('native');
    setOpusBackend('wasm');
    expect(describeOpus()).toMatchObject({ backend: 'wasm', package: 'opusscript' });
    expect(new OpusCodec().backend).toBe('wasm');
    async function* pcm(): AsyncGenerator<Uint8Array> {
      for (let n = 0; n < 3; n++) yield tone(440, n);
    }
    const r = createPcmResource(pcm(), { volume: 0.5 });
    const frames: Uint8Array[] = [];
    for (let f = await r.read(); f; f = await r.read()) frames.push(f);
    r.close();
    expect(frames).toHaveLength(3);
    const check = new OpusCodec({ backend: 'native' });
    expect(check.decode(frames[2]!).length).toBe(PCM_FRAME_BYTES);
  });

  it('with neither package loadable, importing works, Ogg passthrough needs no codec, and a codec is E_OPUS_UNAVAILABLE naming both', () => {
    // A child Node where both packages fail to resolve, as on an install that has neither.
    const script = `
      const Module = require('node:module');
      const resolve = Module._resolveFilename;
      Module._resolveFilename = function (req, ...rest) {
        if (req === '@discordjs/opus' || req === 'opusscript') throw new Error('Cannot find module ' + req);
        return resolve.call(this, req, ...rest);
      };`;
    const dir = mkdtempSync(join(tmpdir(), 'voicewire-nocodec-'));
    const preload = join(dir, 'no-codecs.cjs');
    writeFileSync(preload, script);
    const r = spawnSync(process.execPath, ['--require', preload, '--import', 'tsx', '--input-type=module', '-e', `
      const a = await import(${JSON.stringify(join(here, '../src/index.ts'))});
      const d = a.describeOpus();
      const frames = [];
      for await (const f of a.demuxOggOpus([a.muxOggOpus([Uint8Array.from([0xf8, 0xff, 0xfe])])])) frames.push(f.length);
      let err;
      try { new a.OpusCodec(); } catch (e) { err = e; }
      console.log(JSON.stringify({ frames, backend: d.backend, code: err?.code, message: err?.message }));
    `], { encoding: 'utf8', cwd: here, timeout: 60_000 });
    rmSync(dir, { recursive: true, force: true });
    expect(r.stderr).not.toMatch(/Error/);
    const out = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}');
    expect(out.frames).toEqual([3]);
    expect(out.backend).toBe(null);
    expect(out.code).toBe('E_OPUS_UNAVAILABLE');
    expect(out.message).toMatch(/@discordjs\/opus: Cannot find module/);
    expect(out.message).toMatch(/opusscript: Cannot find module/);
  });
});
