/**
 * createAudioResource, AudioResource and demuxProbe with @discordjs/voice's names and behaviour, on
 * @voicewire/audio: Ogg and WebM Opus pass through (no transcode), Raw PCM is encoded, Arbitrary input goes through
 * ffmpeg. Inline volume passes Opus through untouched while the volume is 1 and transcodes only while it is not.
 */
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import { applyVolume, assertFile, AudioError, createFfmpegResource, createOggOpusResource, createWebmOpusResource, OpusCodec, OpusVolume, pcmFrames, probeFfmpeg, type AudioResource as VwResource } from '@voicewire/audio';
import { SILENCE_FRAME, StreamType, TransformerType } from './enums.js';
import type { AudioPlayer } from './player.js';

export interface CreateAudioResourceOptions<Metadata> {
  /** Make the volume adjustable while playing (`resource.volume`). Default false. */
  inlineVolume?: boolean;
  /** What the input holds. Default StreamType.Arbitrary (through ffmpeg). Ignored for a string input (always ffmpeg). */
  inputType?: StreamType;
  metadata?: Metadata;
  /** Silence frames played after the end, so the listener's decoder does not interpolate. Default 5. */
  silencePaddingFrames?: number;
  /** voicewire: the ffmpeg binary (default: `ffmpeg` on PATH, else the `ffmpeg-static` package when installed). */
  ffmpegPath?: string;
  /** voicewire: start this far into a file or URL played through ffmpeg (ms); `resource.seek()` moves later. */
  startAtMs?: number;
}

/** One step of the resource's pipeline (what `@discordjs/voice` lists in `edges`). */
export interface Edge {
  readonly type: TransformerType;
  readonly from: { readonly type: StreamType };
  readonly to: { readonly type: StreamType };
  readonly cost: number;
}

/** The inline volume control (the methods of prism-media's VolumeTransformer). */
export class VolumeTransformer {
  /** The linear gain (1 = unchanged). */
  volume = 1;
  setVolume(volume: number): void {
    if (!(Number.isFinite(volume) && volume >= 0)) throw new RangeError(`volume must be a finite number ≥ 0, got ${String(volume)}`);
    this.volume = volume;
  }
  /** Gain in decibels: volume = 10^(dB/20). */
  setVolumeDecibels(db: number): void {
    this.setVolume(10 ** (db / 20));
  }
  /** A perceptual scale: volume = value^1.660964. */
  setVolumeLogarithmic(value: number): void {
    this.setVolume(value ** 1.660964);
  }
  get volumeDecibels(): number {
    return Math.log10(this.volume) * 20;
  }
  get volumeLogarithmic(): number {
    return this.volume ** (1 / 1.660964);
  }
}

export class AudioResource<Metadata = unknown> {
  /** Object-mode stream of Opus packets (Buffers): what the player reads. */
  readonly playStream: Readable;
  readonly edges: readonly Edge[];
  metadata: Metadata;
  /** Present when created with `inlineVolume: true`. */
  readonly volume?: VolumeTransformer;
  /** The Opus encoder of a Raw (PCM) resource (`setBitrate`). */
  readonly encoder?: OpusCodec;
  audioPlayer?: AudioPlayer | undefined;
  /** Milliseconds of audio read from this resource. */
  playbackDuration = 0;
  /** True once the stream had data to read. */
  started = false;
  readonly silencePaddingFrames: number;
  /** Silence frames still to play after the end; -1 before the end was reached. */
  silenceRemaining = -1;
  /** The voicewire resource underneath, when it can seek (a file or URL through ffmpeg). */
  readonly #seekable: VwResource | undefined;
  /** When the last seek() was made, until its first packet arrives (ffmpeg is starting again). */
  #seekingSince: number | null = null;

  constructor(edges: readonly Edge[], playStream: Readable, metadata: Metadata, silencePaddingFrames: number, extras: { volume?: VolumeTransformer; encoder?: OpusCodec; seekable?: VwResource; startAtMs?: number } = {}) {
    this.#seekable = extras.seekable?.seek ? extras.seekable : undefined;
    this.playbackDuration = extras.startAtMs ?? 0;
    this.edges = edges;
    this.playStream = playStream;
    this.metadata = metadata;
    this.silencePaddingFrames = silencePaddingFrames;
    if (extras.volume) this.volume = extras.volume;
    if (extras.encoder) this.encoder = extras.encoder;
    const atEnd = (): void => {
      if (this.silenceRemaining === -1) this.silenceRemaining = this.silencePaddingFrames;
    };
    playStream.once('readable', () => (this.started = true));
    playStream.once('end', atEnd);
    playStream.once('close', atEnd);
    // An error is reported to the player through the stream; never let it be an unhandled 'error' event.
    playStream.on('error', () => {});
  }

  /** Whether the player can still read from this resource (true while padding silence remains). */
  get readable(): boolean {
    if (this.silenceRemaining === 0) return false;
    if (this.playStream.readable) return true;
    if (this.silenceRemaining === -1) this.silenceRemaining = this.silencePaddingFrames;
    return this.silenceRemaining !== 0;
  }

  /**
   * voicewire: moves a resource made from a file path or URL (through ffmpeg) to `ms`, as voicewire's `seek()` does
   * (ffmpeg starts again with -ss). The packets already buffered are dropped; `playbackDuration` becomes `ms`.
   * Throws for a stream (bytes cannot be read twice).
   */
  seek(ms: number): void {
    const r = this.#seekable;
    if (!r?.seek) throw new AudioError('E_SEEK_UNSUPPORTED', 'this resource cannot seek: only a file path or URL played through ffmpeg (StreamType.Arbitrary) can');
    r.seek(ms);
    while (this.playStream.read() !== null) {
      // the packets read ahead belong to the old position
    }
    this.playbackDuration = ms;
    this.#seekingSince = performance.now();
  }

  /**
   * @internal True while a seek waits for its first packet (at most 5 s): the player counts no missed frames
   * meanwhile, so a restarting ffmpeg is not taken for a stream that ran dry.
   */
  get seeking(): boolean {
    if (this.#seekingSince !== null && performance.now() - this.#seekingSince > 5_000) this.#seekingSince = null;
    return this.#seekingSince !== null;
  }

  get ended(): boolean {
    return this.silenceRemaining === 0 || ((this.playStream.readableEnded || this.playStream.destroyed) && this.silencePaddingFrames === 0);
  }

  /** The next Opus packet, a padding silence frame, or null. Used by the player every 20 ms. */
  read(): Buffer | null {
    if (this.silenceRemaining === 0) return null;
    if (this.silenceRemaining > 0) {
      this.silenceRemaining--;
      return SILENCE_FRAME;
    }
    const packet = this.playStream.read() as Buffer | null;
    if (packet) {
      this.playbackDuration += 20;
      this.#seekingSince = null;
    }
    return packet;
  }
}

const edge = (type: TransformerType, from: StreamType, to: StreamType, cost: number): Edge => ({ type, from: { type: from }, to: { type: to }, cost });

let ffmpegFound: string | undefined;
/** `ffmpeg` on PATH, else the path the `ffmpeg-static` package exports (what most @discordjs/voice bots install). */
export function findFfmpeg(): string {
  if (ffmpegFound !== undefined) return ffmpegFound;
  if (probeFfmpeg('ffmpeg').found) return (ffmpegFound = 'ffmpeg');
  try {
    const p = createRequire(import.meta.url)('ffmpeg-static') as string | { default?: string } | null;
    const path = typeof p === 'string' ? p : p?.default;
    if (path) return (ffmpegFound = path);
  } catch {
    // not installed
  }
  return (ffmpegFound = 'ffmpeg'); // not found: the resource fails with E_FFMPEG_MISSING, saying what to install
}

/** Opus packets at the inline volume, through @voicewire/audio's one volume path (OpusVolume). */
async function* atVolume(packets: AsyncIterable<Uint8Array>, volume: VolumeTransformer): AsyncGenerator<Uint8Array> {
  const path = new OpusVolume();
  try {
    for await (const p of packets) yield path.apply(p, volume.volume);
  } finally {
    path.close();
  }
}

const asBuffer = (p: Uint8Array): Buffer => (Buffer.isBuffer(p) ? p : Buffer.from(p.buffer, p.byteOffset, p.byteLength));

/**
 * The playStream of a resource voicewire demuxes (Ogg, WebM, ffmpeg's Ogg): an object-mode Readable of Opus
 * packets that takes them from the resource synchronously while it has them buffered, and waits on its promise
 * only when it has none. Through async generators, every packet cost a few promises and a generator step.
 */
function readableOf(r: VwResource, map?: (frame: Uint8Array) => Uint8Array): Readable {
  let waiting = false;
  const put = (stream: Readable, f: Uint8Array): boolean => stream.push(asBuffer(map ? map(f) : f));
  return new Readable({
    objectMode: true,
    highWaterMark: 16,
    read() {
      if (waiting) return;
      try {
        for (;;) {
          const f = r.readSync ? r.readSync() : undefined;
          if (f === null) return void this.push(null);
          if (f === undefined) break;
          if (!put(this, f)) return;
        }
      } catch (e) {
        return void this.destroy(e instanceof Error ? e : new Error(String(e)));
      }
      waiting = true;
      r.read().then(
        (f) => {
          waiting = false;
          if (this.destroyed) return;
          if (f === null) this.push(null);
          else put(this, f); // the stream asks for more itself while it is below its high-water mark
        },
        (e: unknown) => {
          waiting = false;
          this.destroy(e instanceof Error ? e : new Error(String(e)));
        },
      );
    },
    destroy(err, callback) {
      r.close();
      callback(err);
    },
  });
}

async function* opusObjects(input: Readable): AsyncGenerator<Uint8Array> {
  for await (const p of input as AsyncIterable<Uint8Array | string>) {
    if (typeof p === 'string') throw new TypeError('StreamType.Opus expects an object-mode stream of Opus packets (Buffers), got a string chunk');
    yield p;
  }
}

/**
 * Creates a resource a player can play. A string is a file path or URL and goes through ffmpeg; a Readable is
 * read as `inputType` (default Arbitrary: through ffmpeg).
 */
export function createAudioResource<Metadata = null>(input: string | Readable, options: CreateAudioResourceOptions<Metadata> = {}): AudioResource<Metadata extends null | undefined ? null : Metadata> {
  const inputType = typeof input === 'string' ? StreamType.Arbitrary : (options.inputType ?? StreamType.Arbitrary);
  const inline = options.inlineVolume === true;
  const volume = inline ? new VolumeTransformer() : undefined;
  let encoder: OpusCodec | undefined;
  const codec = (): OpusCodec => (encoder ??= new OpusCodec());
  const edges: Edge[] = [];
  let packets: AsyncIterable<Uint8Array> | null = null;
  /** A demuxed resource: its packets are pulled synchronously (readableOf) instead of through `packets`. */
  let demuxed: VwResource | null = null;
  let onDestroy = (): void => {};
  let seekable: VwResource | undefined;
  const startAtMs = typeof input === 'string' ? options.startAtMs : undefined;
  if (options.startAtMs !== undefined && typeof input !== 'string') throw new AudioError('E_SEEK_UNSUPPORTED', 'startAtMs needs a file path or URL: a stream cannot start later than its bytes');
  if (typeof input === 'string' && !/^[a-z][a-z0-9+.-]*:/i.test(input)) assertFile(input);

  switch (inputType) {
    case StreamType.Arbitrary: {
      const ffmpegPath = options.ffmpegPath ?? findFfmpeg();
      const source = typeof input === 'string' ? input : (input as AsyncIterable<Uint8Array>);
      if (inline) {
        // ffmpeg decodes to PCM; we scale and encode (no second decode).
        const pcmVolume = volume as VolumeTransformer;
        const r = createFfmpegResource(source, { ffmpegPath, output: 'pcm', title: typeof input === 'string' ? input : 'stream', ...(startAtMs !== undefined ? { startAtMs } : {}) });
        seekable = r;
        onDestroy = () => r.close();
        edges.push(edge(TransformerType.FFmpegPCM, StreamType.Arbitrary, StreamType.Raw, 2), edge(TransformerType.InlineVolume, StreamType.Raw, StreamType.Raw, 0.5), edge(TransformerType.OpusEncoder, StreamType.Raw, StreamType.Opus, 1.5));
        packets = (async function* () {
          try {
            for (;;) {
              r.volume = pcmVolume.volume; // the PCM resource reads its volume for every frame it encodes
              const f = await r.read();
              if (!f) break;
              yield f;
            }
          } finally {
            r.close();
          }
        })();
        break;
      }
      const r = createFfmpegResource(source, { ffmpegPath, output: 'ogg', title: typeof input === 'string' ? input : 'stream', ...(startAtMs !== undefined ? { startAtMs } : {}) });
      seekable = r;
      onDestroy = () => r.close();
      edges.push(edge(TransformerType.FFmpegOgg, StreamType.Arbitrary, StreamType.OggOpus, 2), edge(TransformerType.OggOpusDemuxer, StreamType.OggOpus, StreamType.Opus, 1));
      demuxed = r;
      break;
    }
    case StreamType.Raw: {
      const src = input as Readable;
      onDestroy = () => src.destroy();
      edges.push(...(inline ? [edge(TransformerType.InlineVolume, StreamType.Raw, StreamType.Raw, 0.5)] : []), edge(TransformerType.OpusEncoder, StreamType.Raw, StreamType.Opus, 1.5));
      packets = (async function* () {
        for await (const frame of pcmFrames(src as AsyncIterable<Uint8Array>)) {
          if (volume) applyVolume(frame, volume.volume);
          yield codec().encode(frame);
        }
      })();
      break;
    }
    case StreamType.OggOpus:
    case StreamType.WebmOpus: {
      const src = input as Readable;
      const ogg = inputType === StreamType.OggOpus;
      edges.push(edge(ogg ? TransformerType.OggOpusDemuxer : TransformerType.WebmOpusDemuxer, inputType, StreamType.Opus, 1));
      const r = (ogg ? createOggOpusResource : createWebmOpusResource)(src as AsyncIterable<Uint8Array>, { title: ogg ? 'ogg opus' : 'webm opus' });
      demuxed = r;
      onDestroy = () => {
        r.close();
        src.destroy();
      };
      break;
    }
    case StreamType.Opus: {
      const src = input as Readable;
      onDestroy = () => src.destroy();
      packets = opusObjects(src);
      break;
    }
    default:
      throw new TypeError(`unknown inputType ${String(inputType)}; use a StreamType`);
  }
  // Opus that arrives as Opus (not through ffmpeg or the encoder) takes the inline volume as Opus: decode, scale, encode
  const opusVolume = inline && inputType !== StreamType.Arbitrary && inputType !== StreamType.Raw;
  if (opusVolume) edges.push(edge(TransformerType.InlineVolume, StreamType.Opus, StreamType.Opus, 0.5));
  let playStream: Readable;
  if (demuxed) {
    const path = opusVolume ? new OpusVolume() : undefined;
    playStream = readableOf(demuxed, path && ((f) => path.apply(f, (volume as VolumeTransformer).volume)));
    playStream.once('close', () => path?.close());
  } else {
    const ps = opusVolume ? atVolume(packets as AsyncIterable<Uint8Array>, volume as VolumeTransformer) : (packets as AsyncIterable<Uint8Array>);
    playStream = Readable.from(
      (async function* () {
        for await (const p of ps) yield asBuffer(p);
      })(),
      { objectMode: true, highWaterMark: 16 },
    );
  }
  playStream.once('close', () => {
    onDestroy();
    encoder?.close();
  });
  return new AudioResource(edges, playStream, (options.metadata ?? null) as Metadata extends null | undefined ? null : Metadata, options.silencePaddingFrames ?? 5, {
    ...(volume ? { volume } : {}),
    ...(inputType === StreamType.Raw ? { encoder: codec() } : {}),
    ...(seekable ? { seekable } : {}),
    ...(startAtMs !== undefined ? { startAtMs } : {}),
  });
}

/** True when an OpusHead describes what Discord plays: stereo, 48 kHz. */
export function validateDiscordOpusHead(opusHead: Buffer): boolean {
  return opusHead.length >= 16 && opusHead[9] === 2 && opusHead.readUInt32LE(12) === 48000;
}

export interface ProbeInfo {
  /** The stream to play: use it instead of the input (the probe may have read from it). */
  stream: Readable;
  type: StreamType;
}

const OPUS_HEAD = Buffer.from('OpusHead');
const EBML_MAGIC = Buffer.from([0x1a, 0x45, 0xdf, 0xa3]);

function classify(buf: Buffer, validator: (head: Buffer) => boolean, final: boolean): StreamType | null {
  if (buf.length < 4) return final ? StreamType.Arbitrary : null;
  const ogg = buf.subarray(0, 4).toString('latin1') === 'OggS';
  const webm = buf.subarray(0, 4).equals(EBML_MAGIC);
  if (!ogg && !webm) return StreamType.Arbitrary;
  const at = buf.indexOf(OPUS_HEAD);
  if (at >= 0 && buf.length >= at + 19) {
    const ok = validator(buf.subarray(at, at + 19));
    if (!ok) return StreamType.Arbitrary;
    if (ogg) return StreamType.OggOpus;
    return buf.includes('A_OPUS', 0, 'latin1') ? StreamType.WebmOpus : StreamType.Arbitrary;
  }
  return final ? StreamType.Arbitrary : null;
}

/**
 * Reads the start of a stream to tell Ogg Opus and WebM Opus (which play without ffmpeg) from anything else.
 * Resolves with the stream to play (the bytes read are put back) and its type; rejects when the stream errors.
 */
export function demuxProbe(stream: Readable, probeSize = 1024, validator: (opusHead: Buffer) => boolean = validateDiscordOpusHead): Promise<ProbeInfo> {
  return new Promise<ProbeInfo>((resolve, reject) => {
    if (stream.readableEnded) return reject(new Error('cannot probe a stream that has already ended'));
    const chunks: Buffer[] = [];
    let total = 0;
    let done = false;
    const finish = (type: StreamType, ended: boolean): void => {
      if (done) return;
      done = true;
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('close', onEnd);
      stream.off('error', onError);
      stream.pause();
      const bytes = Buffer.concat(chunks);
      if (ended) return resolve({ stream: Readable.from(bytes.length ? [bytes] : []), type });
      if (bytes.length) stream.unshift(bytes);
      resolve({ stream, type });
    };
    const onData = (chunk: unknown): void => {
      if (typeof chunk !== 'string' && !(chunk instanceof Uint8Array)) {
        done = true;
        stream.off('data', onData);
        stream.destroy();
        return reject(new TypeError('demuxProbe needs a byte stream (Buffers), not a stream of objects'));
      }
      const b = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      chunks.push(b);
      total += b.length;
      const all = Buffer.concat(chunks);
      const type = classify(all, validator, total >= probeSize);
      if (type !== null) finish(type, false);
    };
    const onEnd = (): void => finish(classify(Buffer.concat(chunks), validator, true) ?? StreamType.Arbitrary, true);
    const onError = (e: Error): void => {
      if (done) return;
      done = true;
      stream.off('data', onData);
      reject(e);
    };
    stream.on('data', onData);
    stream.once('end', onEnd);
    stream.once('close', onEnd);
    stream.once('error', onError);
  });
}
