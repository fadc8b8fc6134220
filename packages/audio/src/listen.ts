/**
 * Listening: per-user decoded PCM with loss concealment, utterances (start/end of speech with a hang-over) on one
 * clock for every user, optional mono / 16 kHz output through libsamplerate, and a mixed recording of the call.
 *
 *   const listener = listen(connection, { format: { sampleRate: 16000, channels: 1 } });
 *   for await (const chunk of listener.chunks()) speechModel.feed(chunk.userId, chunk.pcm, chunk.timeMs);
 *
 * Loss: a gap of up to `maxConcealMs` in a user's RTP timestamps is filled by the decoder's packet-loss
 * concealment (libopus PLC), frame by frame, and counted; a longer gap is silence (the user stopped talking) and
 * is not filled. A packet older than the last one decoded is late: dropped and counted. (In-band FEC recovery
 * needs opus_decode's decode_fec flag, which neither @discordjs/opus nor opusscript exposes; lost packets are
 * concealed instead.) The 3-byte Opus silence frames a client sends when it stops are markers, not speech.
 *
 * Memory is bounded: at most `maxUsers` users are decoded (later ones are dropped and counted), an utterance
 * longer than `maxUtteranceMs` is split, and `chunks()` holds at most `maxQueuedChunks` for a slow consumer
 * (the oldest are dropped and counted).
 */
import { EventEmitter } from 'node:events';
import { isSilenceFrame } from '@voicewire/voice-protocol';
import { closeSync, openSync, writeSync } from 'node:fs';
import { AudioError } from './errors.js';
import { OggOpusMuxer } from './ogg-mux.js';
import { OpusCodec, PCM_FRAME_BYTES, wavHeader } from './pcm.js';

/** What the listener needs of a connection (a @voicewire/voice VoiceConnection fits). */
export interface AudioSource {
  on(event: 'audio', listener: (frame: { userId: string; ssrc: number; sequence: number; timestamp: number; opus: Uint8Array }) => void): unknown;
  off?(event: 'audio', listener: (frame: { userId: string; ssrc: number; sequence: number; timestamp: number; opus: Uint8Array }) => void): unknown;
}

export interface ListenOptions {
  /** Output format of chunks (default 48 kHz stereo). Mono averages the channels; other rates use libsamplerate. */
  readonly format?: { readonly sampleRate?: 8000 | 12000 | 16000 | 24000 | 48000; readonly channels?: 1 | 2 };
  /** An utterance ends this long after the user's last packet of speech (default 300 ms). */
  readonly hangoverMs?: number;
  /** Gaps up to this long are concealed (default 100 ms = 5 frames); longer gaps are silence. */
  readonly maxConcealMs?: number;
  readonly maxUsers?: number;
  readonly maxUtteranceMs?: number;
  readonly maxQueuedChunks?: number;
  /** Monotonic milliseconds (default performance.now()). */
  readonly now?: () => number;
}

export interface UtteranceChunk {
  readonly userId: string;
  /** Increments per user with each utterance. */
  readonly utterance: number;
  /** s16le PCM in `sampleRate` / `channels`. */
  readonly pcm: Uint8Array;
  readonly sampleRate: number;
  readonly channels: 1 | 2;
  /** When this audio was spoken, on the listener's clock (ms): RTP timestamps anchored at the user's first packet. */
  readonly timeMs: number;
  readonly durationMs: number;
  /** Frames in this chunk made by loss concealment (0 or 1 for a 20 ms chunk). */
  readonly concealed: number;
}

export interface UtteranceInfo {
  readonly userId: string;
  readonly utterance: number;
  readonly startMs: number;
  readonly endMs: number;
  readonly frames: number;
  readonly concealed: number;
}

export interface ListenerStats {
  /** Frames decoded from packets. */
  frames: number;
  /** Frames made by packet-loss concealment. */
  concealed: number;
  /** Packets that came after a newer one had been decoded (dropped). */
  late: number;
  /** Gaps longer than maxConcealMs (silence, not filled). */
  gaps: number;
  /** Packets of users beyond maxUsers (dropped). */
  droppedUsers: number;
  /** Chunks dropped because the consumer of chunks() was too slow. */
  droppedChunks: number;
  /** Utterances split at maxUtteranceMs. */
  splits: number;
  /** Packets libopus could not decode (dropped). */
  corrupt: number;
}

const FRAME = 960;

/** Exactly one 20 ms frame: libopus may return more (PLC gives up to 120 ms) or, for odd packets, less. */
function oneFrame(pcm: Uint8Array): Uint8Array {
  if (pcm.length === PCM_FRAME_BYTES) return pcm;
  const out = new Uint8Array(PCM_FRAME_BYTES);
  out.set(pcm.subarray(0, PCM_FRAME_BYTES));
  return out;
}

/** One user's decoder: orders by RTP timestamp, conceals short gaps, drops late packets. Synchronous and pure of I/O. */
export class UserDecoder {
  private codec: OpusCodec | null = null;
  private lastTs: number | null = null;
  /** Cumulative RTP position (samples) of lastTs relative to the anchor, wrap-free. */
  private position = 0;
  private anchorMs = 0;
  /** Counters; a listener passes its own object so that every user's decoder counts into it. */
  readonly stats: { frames: number; concealed: number; late: number; gaps: number; corrupt: number };

  constructor(private readonly maxConcealFrames: number, stats?: UserDecoder['stats']) {
    this.stats = stats ?? { frames: 0, concealed: 0, late: 0, gaps: 0, corrupt: 0 };
  }

  /**
   * Decodes one packet that arrived at `arrivalMs`; returns the 48 kHz stereo frames it yields (concealed ones
   * first), each with its time on the listener's clock. Silence frames yield nothing but keep the timing.
   */
  push(timestamp: number, opus: Uint8Array, arrivalMs: number): { pcm: Uint8Array; timeMs: number; concealed: boolean; gapBefore: boolean }[] {
    const out: { pcm: Uint8Array; timeMs: number; concealed: boolean; gapBefore: boolean }[] = [];
    let gapBefore = false;
    if (this.lastTs === null) {
      // whole milliseconds: a frame's time is the anchor plus a multiple of 20 ms, so durations come out exact
      this.anchorMs = Math.round(arrivalMs);
      this.position = 0;
    } else {
      const delta = (timestamp - this.lastTs) | 0; // signed 32-bit: handles the wrap
      if (delta <= 0) {
        this.stats.late++;
        return out;
      }
      const missing = Math.round(delta / FRAME) - 1;
      // A sender whose RTP clock stood still while it was silent (its timestamps continue where they stopped) is
      // placed by arrival instead: a packet arriving far later than its timestamp says starts a new talk spurt.
      const predicted = this.anchorMs + (this.position + delta) / 48;
      if (arrivalMs - predicted > Math.max(200, (this.maxConcealFrames + 1) * 20)) {
        this.stats.gaps++;
        this.codec?.close();
        this.codec = null;
        this.anchorMs = Math.round(arrivalMs);
        this.position = 0;
        this.lastTs = timestamp;
        gapBefore = true;
        return this.decodeInto(out, opus, gapBefore);
      }
      if (missing > this.maxConcealFrames) {
        this.stats.gaps++;
        gapBefore = true;
        this.codec?.close(); // a new talk spurt: start the decoder afresh
        this.codec = null;
      } else {
        for (let k = 1; k <= missing; k++) {
          const pcm = this.conceal();
          if (pcm) out.push({ pcm, timeMs: this.anchorMs + (this.position + k * FRAME) / 48, concealed: true, gapBefore: false });
        }
      }
      this.position += delta;
    }
    this.lastTs = timestamp;
    return this.decodeInto(out, opus, gapBefore);
  }

  private decodeInto(out: { pcm: Uint8Array; timeMs: number; concealed: boolean; gapBefore: boolean }[], opus: Uint8Array, gapBefore: boolean): { pcm: Uint8Array; timeMs: number; concealed: boolean; gapBefore: boolean }[] {
    if (isSilenceFrame(opus)) return out;
    const codec = (this.codec ??= new OpusCodec());
    let pcm: Uint8Array;
    try {
      pcm = codec.decode(opus);
    } catch {
      this.stats.corrupt++;
      return out;
    }
    this.stats.frames++;
    out.push({ pcm: oneFrame(pcm), timeMs: this.anchorMs + this.position / 48, concealed: false, gapBefore });
    return out;
  }

  /** libopus PLC: decoding an empty packet continues the signal; the first 20 ms of what it returns are used. */
  private conceal(): Uint8Array | null {
    if (!this.codec) return null;
    let pcm: Uint8Array;
    try {
      pcm = this.codec.decode(new Uint8Array(0));
    } catch {
      return null;
    }
    this.stats.concealed++;
    return oneFrame(pcm);
  }

  close(): void {
    this.codec?.close();
    this.codec = null;
  }
}

/** Downmix and resample for one user (libsamplerate, loaded on first use). */
class Converter {
  private src: { full(d: Float32Array): Float32Array; destroy(): void } | null = null;
  private loading: Promise<void> | null = null;
  constructor(private readonly rate: number, private readonly channels: 1 | 2) {}

  async convert(pcm48: Uint8Array): Promise<Uint8Array> {
    if (this.rate === 48000 && this.channels === 2) return pcm48;
    const frames = pcm48.length / 4;
    const s = new Int16Array(pcm48.buffer, pcm48.byteOffset, pcm48.length >> 1);
    const ch = this.channels;
    const f = new Float32Array(frames * ch);
    for (let i = 0; i < frames; i++) {
      if (ch === 1) f[i] = ((s[2 * i] as number) + (s[2 * i + 1] as number)) / 65536;
      else {
        f[2 * i] = (s[2 * i] as number) / 32768;
        f[2 * i + 1] = (s[2 * i + 1] as number) / 32768;
      }
    }
    let outF: Float32Array = f;
    if (this.rate !== 48000) {
      if (!this.src) {
        this.loading ??= (async () => {
          const lib = (await import('@alexanderolsen/libsamplerate-js')) as unknown as { create(n: number, i: number, o: number, opt: { converterType: number }): Promise<{ full(d: Float32Array): Float32Array; destroy(): void }>; ConverterType: { SRC_SINC_MEDIUM_QUALITY: number } };
          this.src = await lib.create(ch, 48000, this.rate, { converterType: lib.ConverterType.SRC_SINC_MEDIUM_QUALITY });
        })();
        await this.loading;
      }
      outF = (this.src as { full(d: Float32Array): Float32Array }).full(f);
    }
    const out = new Uint8Array(outF.length * 2);
    const o = new Int16Array(out.buffer);
    for (let i = 0; i < outF.length; i++) {
      const v = Math.round((outF[i] as number) * 32768);
      o[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
    }
    return out;
  }

  close(): void {
    this.src?.destroy();
    this.src = null;
  }
}

interface UserState {
  readonly decoder: UserDecoder;
  readonly converter: Converter;
  chain: Promise<void>;
  utterance: number;
  active: { startMs: number; lastSpeechMs: number; lastArrivalMs: number; frames: number; concealed: number } | null;
}

/** Mixes every user's 48 kHz stereo frames by their time, and writes the finished part as it goes. */
class MixWriter {
  private readonly frames = new Map<number, Int32Array>();
  private startSlot: number | null = null;
  private written = 0;
  private readonly fd: number;
  private readonly muxer: OggOpusMuxer | null;
  private readonly encoder: OpusCodec | null;
  private bytes = 0;
  private closed = false;
  constructor(private readonly path: string, private readonly format: 'wav' | 'ogg') {
    this.fd = openSync(path, 'w');
    if (format === 'wav') writeSync(this.fd, wavHeader(0));
    this.encoder = format === 'ogg' ? new OpusCodec() : null;
    this.muxer = format === 'ogg' ? new OggOpusMuxer() : null;
    if (this.muxer) for (const page of this.muxer.headers()) this.write(page);
  }

  add(pcm: Uint8Array, timeMs: number): void {
    if (this.closed) return;
    const slot = Math.round(timeMs / 20);
    this.startSlot ??= slot;
    if (slot < this.startSlot + this.written) return; // already written out
    let acc = this.frames.get(slot);
    if (!acc) this.frames.set(slot, (acc = new Int32Array(FRAME * 2)));
    const s = new Int16Array(pcm.buffer, pcm.byteOffset, pcm.length >> 1);
    for (let i = 0; i < acc.length; i++) acc[i] = (acc[i] as number) + (s[i] ?? 0);
  }

  /** Writes every slot older than `beforeMs` (silence where nobody spoke). */
  flush(beforeMs: number): void {
    if (this.startSlot === null || this.closed) return;
    const until = Math.round(beforeMs / 20);
    while (this.startSlot + this.written < until) {
      const slot = this.startSlot + this.written;
      const acc = this.frames.get(slot);
      this.frames.delete(slot);
      const pcm = new Uint8Array(PCM_FRAME_BYTES);
      if (acc) {
        const o = new Int16Array(pcm.buffer);
        for (let i = 0; i < acc.length; i++) o[i] = Math.max(-32768, Math.min(32767, acc[i] as number));
      }
      if (this.format === 'wav') this.write(pcm);
      else for (const page of (this.muxer as OggOpusMuxer).write((this.encoder as OpusCodec).encode(pcm))) this.write(page);
      this.written++;
    }
  }

  private write(b: Uint8Array): void {
    if (b.length === 0) return;
    writeSync(this.fd, b);
    this.bytes += b.length;
  }

  close(): { path: string; durationMs: number } {
    if (!this.closed) {
      const last = Math.max(-1, ...[...this.frames.keys()]);
      if (this.startSlot !== null) this.flush((last + 1) * 20);
      if (this.muxer) for (const page of this.muxer.end()) this.write(page);
      if (this.format === 'wav') writeSync(this.fd, wavHeader(this.bytes - 44), 0, 44, 0);
      closeSync(this.fd);
      this.encoder?.close();
      this.closed = true;
    }
    return { path: this.path, durationMs: this.written * 20 };
  }
}

export class CallListener extends EventEmitter<{
  utteranceStart: [info: { userId: string; utterance: number; startMs: number }];
  utteranceEnd: [info: UtteranceInfo];
}> {
  readonly stats: ListenerStats = { frames: 0, concealed: 0, late: 0, gaps: 0, droppedUsers: 0, droppedChunks: 0, splits: 0, corrupt: 0 };
  private readonly users = new Map<string, UserState>();
  private readonly queue: UtteranceChunk[] = [];
  private waiter: ((r: IteratorResult<UtteranceChunk>) => void) | null = null;
  private consumers = 0;
  private closed = false;
  /** close() has delivered every chunk of what was pushed before it: the iterators may end once the queue is empty. */
  private drained = false;
  private readonly timer: ReturnType<typeof setInterval>;
  private mix: MixWriter | null = null;
  private readonly rate: number;
  private readonly channels: 1 | 2;
  private readonly o: Required<Omit<ListenOptions, 'format' | 'now'>>;
  private readonly now: () => number;
  private readonly onAudio: (f: { userId: string; timestamp: number; opus: Uint8Array }) => void;

  constructor(private readonly source: AudioSource, options: ListenOptions = {}) {
    super();
    this.rate = options.format?.sampleRate ?? 48000;
    this.channels = options.format?.channels ?? 2;
    if (![8000, 12000, 16000, 24000, 48000].includes(this.rate)) throw new AudioError('E_BAD_PCM', `sampleRate must be 8000, 12000, 16000, 24000 or 48000, got ${this.rate}`);
    this.o = { hangoverMs: options.hangoverMs ?? 300, maxConcealMs: options.maxConcealMs ?? 100, maxUsers: options.maxUsers ?? 32, maxUtteranceMs: options.maxUtteranceMs ?? 60_000, maxQueuedChunks: options.maxQueuedChunks ?? 500 };
    this.now = options.now ?? (() => performance.now());
    this.onAudio = (f) => this.push(f.userId, f.timestamp, f.opus, this.now());
    source.on('audio', this.onAudio);
    this.timer = setInterval(() => this.tick(), 20);
    (this.timer as { unref?: () => void }).unref?.();
  }

  /** Feeds one packet (what the connection's 'audio' event does); useful for tests and other sources. */
  push(userId: string, timestamp: number, opus: Uint8Array, arrivalMs: number): void {
    if (this.closed) return;
    let u = this.users.get(userId);
    if (!u) {
      if (this.users.size >= this.o.maxUsers) {
        this.stats.droppedUsers++;
        return;
      }
      u = { decoder: new UserDecoder(Math.floor(this.o.maxConcealMs / 20), this.stats), converter: new Converter(this.rate, this.channels), chain: Promise.resolve(), utterance: 0, active: null };
      this.users.set(userId, u);
    }
    const user = u;
    const frames = user.decoder.push(timestamp, opus, arrivalMs);
    for (const f of frames) {
      if (f.gapBefore || (user.active && f.timeMs - user.active.lastSpeechMs > this.o.hangoverMs)) this.endUtterance(userId, user);
      if (user.active && f.timeMs - user.active.startMs >= this.o.maxUtteranceMs) {
        this.stats.splits++;
        this.endUtterance(userId, user);
      }
      if (!user.active) {
        user.utterance++;
        user.active = { startMs: f.timeMs, lastSpeechMs: f.timeMs, lastArrivalMs: arrivalMs, frames: 0, concealed: 0 };
        this.emit('utteranceStart', { userId, utterance: user.utterance, startMs: f.timeMs });
      }
      const a = user.active;
      a.lastSpeechMs = f.timeMs;
      a.lastArrivalMs = arrivalMs;
      a.frames++;
      if (f.concealed) a.concealed++;
      this.mix?.add(f.pcm, f.timeMs);
      const utterance = user.utterance;
      user.chain = user.chain
        .then(() => user.converter.convert(f.pcm))
        .then((pcm) => this.enqueue({ userId, utterance, pcm, sampleRate: this.rate, channels: this.channels, timeMs: f.timeMs, durationMs: 20, concealed: f.concealed ? 1 : 0 }))
        .catch(() => {});
    }
    if (frames.length === 0 && user.active) user.active.lastArrivalMs = arrivalMs;
  }

  private endUtterance(userId: string, u: UserState): void {
    const a = u.active;
    if (!a) return;
    u.active = null;
    this.emit('utteranceEnd', { userId, utterance: u.utterance, startMs: a.startMs, endMs: a.lastSpeechMs + 20, frames: a.frames, concealed: a.concealed });
  }

  private tick(): void {
    const now = this.now();
    for (const [userId, u] of this.users) if (u.active && now - u.active.lastArrivalMs > this.o.hangoverMs) this.endUtterance(userId, u);
    // the mix is final up to what the slowest active speaker may still deliver
    this.mix?.flush(now - this.o.hangoverMs - 200);
  }

  private enqueue(c: UtteranceChunk): void {
    if (this.consumers === 0) return;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      w({ value: c, done: false });
      return;
    }
    if (this.queue.length >= this.o.maxQueuedChunks) {
      this.queue.shift();
      this.stats.droppedChunks++;
    }
    this.queue.push(c);
  }

  /** Every user's chunks in arrival order, as they are decoded. Ends when the listener is closed, after the chunks of everything pushed before close(). */
  chunks(): AsyncIterableIterator<UtteranceChunk> {
    this.consumers++;
    const self = this;
    return {
      [Symbol.asyncIterator]() {
        return this;
      },
      next(): Promise<IteratorResult<UtteranceChunk>> {
        const c = self.queue.shift();
        if (c) return Promise.resolve({ value: c, done: false });
        if (self.drained) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => (self.waiter = resolve));
      },
      return(): Promise<IteratorResult<UtteranceChunk>> {
        self.consumers = Math.max(0, self.consumers - 1);
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }

  /** Starts a mixed recording of everyone (48 kHz stereo, aligned by time) to a WAV or Ogg Opus file. */
  recordMix(path: string, format: 'wav' | 'ogg' = path.endsWith('.ogg') ? 'ogg' : 'wav'): void {
    if (this.mix) throw new AudioError('E_BAD_PCM', 'a mixed recording is already running on this listener');
    this.mix = new MixWriter(path, format);
  }

  /** Ends open utterances, writes the rest of the mix, releases every decoder. Returns the mix file, if any. */
  async close(): Promise<{ path: string; durationMs: number } | null> {
    if (this.closed) return null;
    this.closed = true;
    clearInterval(this.timer);
    this.source.off?.('audio', this.onAudio);
    for (const [userId, u] of this.users) {
      this.endUtterance(userId, u);
      await u.chain;
      u.decoder.close();
      u.converter.close();
    }
    this.users.clear();
    this.drained = true;
    const w = this.waiter;
    this.waiter = null;
    w?.({ value: undefined, done: true });
    const mix = this.mix?.close() ?? null;
    this.mix = null;
    return mix;
  }
}

/** Starts listening to a connection (see CallListener). */
export function listen(source: AudioSource, options?: ListenOptions): CallListener {
  return new CallListener(source, options);
}
