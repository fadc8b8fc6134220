/**
 * PCM ↔ Opus: 48 kHz stereo s16le, 20 ms = 960 samples per channel = 3,840 bytes. Also WAV output for recordings.
 *
 * Two codec backends, both libopus: `@discordjs/opus` (a native N-API add-on, the fastest, Node only) and
 * `opusscript` (libopus compiled to WebAssembly, runs on Node, Bun and Deno). The default takes the native one
 * when it loads and the WebAssembly one otherwise; `setOpusBackend()` or `new OpusCodec({ backend })` pins one.
 * Neither is loaded until a codec is needed, so Ogg passthrough works with neither installed.
 */
import { createRequire } from 'node:module';
import { AudioError } from './errors.js';

export type OpusBackendName = 'native' | 'wasm';

interface CodecImpl {
  encode(pcm: Uint8Array): Uint8Array;
  decode(frame: Uint8Array): Uint8Array;
  setBitrate(bps: number): void;
  free(): void;
}

type NativeModule = { OpusEncoder: new (rate: number, channels: number) => { encode(pcm: Buffer): Buffer; decode(frame: Buffer): Buffer; setBitrate(bps: number): void } };
/**
 * opusscript's emscripten module, used directly: opusscript's own wrapper keeps typed-array views of the WASM heap
 * made at construction, and those go stale when the heap grows (more codecs, or a bigger allocation), after which
 * an older codec reads old bytes and libopus aborts. Here every call reads the module's current HEAPU8.
 */
interface WasmHandler {
  _encode(inPtr: number, bytes: number, outPtr: number, frameSize: number): number;
  _decode(inPtr: number, bytes: number, outPtr: number): number;
  _encoder_ctl(ctl: number, value: number): number;
  delete(): void;
}
interface WasmModule {
  OpusScriptHandler: new (rate: number, channels: number, application: number) => WasmHandler;
  _malloc(n: number): number;
  _free(p: number): void;
  HEAPU8: Uint8Array;
  HEAPU16: Uint16Array;
}
type WasmCtor = WasmModule;

const PACKAGE: Record<OpusBackendName, string> = { native: '@discordjs/opus', wasm: 'opusscript' };
const loaded: { native?: NativeModule; wasm?: WasmCtor } = {};
const loadErrors: Partial<Record<OpusBackendName, string>> = {};
let pinned: OpusBackendName | null = null;

function tryLoad(name: OpusBackendName): boolean {
  if (loaded[name]) return true;
  if (loadErrors[name] !== undefined) return false;
  try {
    const mod = createRequire(import.meta.url)(PACKAGE[name]) as unknown;
    if (name === 'native') loaded.native = mod as NativeModule;
    else {
      // opusscript itself loads (the package is there); its WebAssembly module is instantiated once, here
      const factory = createRequire(import.meta.url)('opusscript/build/opusscript_native_wasm.js') as () => WasmModule;
      loaded.wasm = factory();
    }
    return true;
  } catch (e) {
    loadErrors[name] = String((e as Error)?.message ?? e).split('\n')[0]!;
    return false;
  }
}

function unavailable(tried: OpusBackendName[]): AudioError {
  const why = tried.map((n) => `${PACKAGE[n]}: ${loadErrors[n]}`).join('; ');
  return new AudioError('E_OPUS_UNAVAILABLE', `no Opus codec loaded on this runtime (${why}); install @discordjs/opus (Node) or opusscript (any runtime). Ogg Opus and WebM Opus play without one; PCM input, volume and WAV recording need one`);
}

function pickBackend(requested?: OpusBackendName): OpusBackendName {
  const want = requested ?? pinned;
  if (want) {
    if (tryLoad(want)) return want;
    throw unavailable([want]);
  }
  if (tryLoad('native')) return 'native';
  if (tryLoad('wasm')) return 'wasm';
  throw unavailable(['native', 'wasm']);
}

/** Pins the backend every later `new OpusCodec()` uses (`null` restores the default: native, else WebAssembly). */
export function setOpusBackend(backend: OpusBackendName | null): void {
  pinned = backend;
}

/** Which backend a codec would use now, and why the others did not load — for bug reports and `describeSetup()`. */
export function describeOpus(): { backend: OpusBackendName | null; package: string | null; unavailable: Partial<Record<OpusBackendName, string>> } {
  let backend: OpusBackendName | null = null;
  try {
    backend = pickBackend();
  } catch {
    backend = null;
  }
  return { backend, package: backend ? PACKAGE[backend] : null, unavailable: { ...loadErrors } };
}

const asBuffer = (u: Uint8Array): Buffer => Buffer.from(u.buffer, u.byteOffset, u.byteLength);

function nativeImpl(m: NativeModule): CodecImpl {
  const c = new m.OpusEncoder(SAMPLE_RATE, CHANNELS);
  return {
    encode: (pcm) => new Uint8Array(c.encode(asBuffer(pcm))),
    decode: (frame) => new Uint8Array(c.decode(asBuffer(frame))),
    setBitrate: (bps) => c.setBitrate(bps),
    free: () => {},
  };
}

// WebAssembly codecs hold libopus state and four buffers in the module's heap: freed by close(), or when the
// codec is garbage-collected.
interface WasmState {
  readonly mod: WasmModule;
  readonly handler: WasmHandler;
  readonly ptrs: readonly number[];
}
const freeWasm = (st: WasmState): void => {
  try {
    st.handler.delete();
  } catch {
    /* already freed */
  }
  for (const p of st.ptrs) st.mod._free(p);
};
const wasmFinalizer = new FinalizationRegistry<WasmState>(freeWasm);
const MAX_PCM_BYTES = 2880 * 2 * 2; // 60 ms, the most libopus decodes from one packet here
const MAX_PACKET = 1276 * 3;
const OPUS_APPLICATION_AUDIO = 2049;
const OPUS_SET_BITRATE = 4002;

function wasmImpl(mod: WasmModule, owner: object): CodecImpl {
  const handler = new mod.OpusScriptHandler(SAMPLE_RATE, 2, OPUS_APPLICATION_AUDIO);
  const [inPcm, inOpus, outOpus, outPcm] = [MAX_PCM_BYTES * 2, MAX_PACKET, MAX_PACKET, MAX_PCM_BYTES * 2].map((n) => mod._malloc(n)) as [number, number, number, number];
  const st: WasmState = { mod, handler, ptrs: [inPcm, inOpus, outOpus, outPcm] };
  wasmFinalizer.register(owner, st, owner);
  let freed = false;
  return {
    // opusscript's handler takes and gives PCM one byte per 16-bit heap cell (how its own wrapper writes it)
    encode: (pcm) => {
      mod.HEAPU16.set(pcm, inPcm >> 1);
      const len = handler._encode(inPcm, pcm.length, outOpus, FRAME_SAMPLES);
      if (len < 0) throw new AudioError('E_BAD_PCM', `libopus (WebAssembly) could not encode the frame (error ${len})`);
      return mod.HEAPU8.slice(outOpus, outOpus + len);
    },
    decode: (frame) => {
      if (frame.length > MAX_PACKET) throw new AudioError('E_CORRUPT', `an Opus packet of ${frame.length} bytes is larger than any valid one`);
      mod.HEAPU8.set(frame, inOpus);
      const samples = handler._decode(inOpus, frame.length, outPcm);
      if (samples < 0) throw new AudioError('E_CORRUPT', `libopus (WebAssembly) could not decode the packet (error ${samples})`);
      const bytes = samples * 2 * 2;
      const out = new Uint8Array(bytes);
      out.set(mod.HEAPU16.subarray(outPcm >> 1, (outPcm >> 1) + bytes)); // each cell's low byte
      return out;
    },
    setBitrate: (bps) => void handler._encoder_ctl(OPUS_SET_BITRATE, bps),
    free: () => {
      if (freed) return;
      freed = true;
      wasmFinalizer.unregister(owner);
      freeWasm(st);
    },
  };
}

export const SAMPLE_RATE = 48_000;
export const CHANNELS = 2;

const FRAME_SAMPLES = 960;
export const PCM_FRAME_BYTES = FRAME_SAMPLES * CHANNELS * 2;

export class OpusCodec {
  /** The libopus build this codec runs on. */
  readonly backend: OpusBackendName;
  #impl: CodecImpl;
  #closed = false;

  constructor(options: { backend?: OpusBackendName } = {}) {
    this.backend = pickBackend(options.backend);
    this.#impl = this.backend === 'native' ? nativeImpl(loaded.native!) : wasmImpl(loaded.wasm!, this);
  }

  /** Encodes one 20 ms PCM frame (3,840 bytes of s16le stereo). */
  encode(pcm: Uint8Array): Uint8Array {
    if (pcm.length !== PCM_FRAME_BYTES) throw new AudioError('E_BAD_PCM', `a 20 ms PCM frame is ${PCM_FRAME_BYTES} bytes of 48 kHz stereo s16le, got ${pcm.length}`);
    this.#open();
    return this.#impl.encode(pcm);
  }

  /** Decodes one Opus frame to PCM (3,840 bytes for a 20 ms frame). Throws on a corrupt frame. */
  decode(frame: Uint8Array): Uint8Array {
    this.#open();
    return this.#impl.decode(frame);
  }

  setBitrate(bps: number): void {
    this.#open();
    this.#impl.setBitrate(bps);
  }

  /** Frees the codec's state now (the WebAssembly heap); it is also freed when the codec is garbage-collected. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#impl.free();
  }

  #open(): void {
    if (this.#closed) throw new AudioError('E_CODEC_CLOSED', 'this OpusCodec was closed');
  }
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Scales s16le samples in place by `volume` (1 = unchanged), clamping to the 16-bit range. */
export function applyVolume(pcm: Uint8Array, volume: number): void {
  if (volume === 1) return;
  if (LITTLE_ENDIAN && pcm.byteOffset % 2 === 0) {
    // the fast path: the samples as an Int16Array view (s16le is the machine's order)
    const s = new Int16Array(pcm.buffer, pcm.byteOffset, pcm.length >> 1);
    for (let i = 0; i < s.length; i++) {
      const v = Math.round(s[i]! * volume);
      s[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
    }
    return;
  }
  const dv = new DataView(pcm.buffer, pcm.byteOffset, pcm.byteLength);
  for (let i = 0; i + 1 < pcm.length; i += 2) {
    const v = Math.round(dv.getInt16(i, true) * volume);
    dv.setInt16(i, v > 32767 ? 32767 : v < -32768 ? -32768 : v, true);
  }
}

/**
 * Splits a stream of PCM bytes into exact 20 ms frames (each its own copy, safe to modify); a short tail is
 * padded with silence. Each byte is copied once: frames come straight out of the chunks, and only a frame that
 * straddles two chunks goes through the carry buffer.
 */
export async function* pcmFrames(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const carry = new Uint8Array(PCM_FRAME_BYTES);
  let carried = 0;
  for await (const chunk of source) {
    let off = 0;
    if (carried > 0) {
      const n = Math.min(PCM_FRAME_BYTES - carried, chunk.length);
      carry.set(chunk.subarray(0, n), carried);
      carried += n;
      off = n;
      if (carried < PCM_FRAME_BYTES) continue;
      yield carry.slice();
      carried = 0;
    }
    while (chunk.length - off >= PCM_FRAME_BYTES) {
      yield chunk.slice(off, off + PCM_FRAME_BYTES);
      off += PCM_FRAME_BYTES;
    }
    if (off < chunk.length) {
      carry.set(chunk.subarray(off), 0);
      carried = chunk.length - off;
    }
  }
  if (carried > 0) {
    const last = new Uint8Array(PCM_FRAME_BYTES);
    last.set(carry.subarray(0, carried), 0);
    yield last;
  }
}

/** A 44-byte RIFF/WAVE header followed by the PCM (48 kHz, stereo, 16-bit). */
export function wavFile(pcm: Uint8Array): Uint8Array {
  const out = new Uint8Array(44 + pcm.length);
  out.set(wavHeader(pcm.length), 0);
  out.set(pcm, 44);
  return out;
}

/** The 44-byte RIFF/WAVE header for `dataBytes` of 48 kHz stereo 16-bit PCM (streamed files rewrite it at the end). */
export function wavHeader(dataBytes: number): Uint8Array {
  const out = new Uint8Array(44);
  const dv = new DataView(out.buffer);
  const tag = (o: number, s: string): void => {
    for (let i = 0; i < 4; i++) out[o + i] = s.charCodeAt(i);
  };
  tag(0, 'RIFF');
  dv.setUint32(4, 36 + dataBytes, true);
  tag(8, 'WAVE');
  tag(12, 'fmt ');
  dv.setUint32(16, 16, true);
  dv.setUint16(20, 1, true);
  dv.setUint16(22, CHANNELS, true);
  dv.setUint32(24, SAMPLE_RATE, true);
  dv.setUint32(28, SAMPLE_RATE * CHANNELS * 2, true);
  dv.setUint16(32, CHANNELS * 2, true);
  dv.setUint16(34, 16, true);
  tag(36, 'data');
  dv.setUint32(40, dataBytes, true);
  return out;
}

/**
 * Opus frames at a volume: the one place voicewire changes the level of encoded audio (the native player's
 * volume, the drop-in's inline volume). At volume 1, and for frames of 3 bytes or less (the silence frame, DTX),
 * the frame passes unchanged; otherwise it is decoded, scaled and encoded again. A frame libopus cannot decode, or
 * one that is not 20 ms, passes unchanged rather than failing the track.
 */
export class OpusVolume {
  private codec: OpusCodec | null = null;

  apply(frame: Uint8Array, volume: number): Uint8Array {
    if (volume === 1 || frame.length <= 3) return frame;
    const codec = (this.codec ??= new OpusCodec());
    let pcm: Uint8Array;
    try {
      pcm = codec.decode(frame);
    } catch {
      return frame;
    }
    if (pcm.length !== PCM_FRAME_BYTES) return frame;
    applyVolume(pcm, volume);
    return codec.encode(pcm);
  }

  close(): void {
    this.codec?.close();
    this.codec = null;
  }
}

