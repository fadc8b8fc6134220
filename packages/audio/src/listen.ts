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
import type { ReceivedOpusFrame } from '@voicewire/voice-protocol';
import { AudioError } from './errors.js';
import { MixWriter } from './mix-writer.js';
import { Converter } from './resample.js';
import { UserDecoder } from './user-decoder.js';

export { UserDecoder, type DecodedFrame } from './user-decoder.js';

/** What the listener needs of a connection (a @voicewire/voice VoiceConnection fits). */
export interface AudioSource {
  on(event: 'audio', listener: (frame: ReceivedOpusFrame) => void): unknown;
  off?(event: 'audio', listener: (frame: ReceivedOpusFrame) => void): unknown;
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
  /** Frames the output format conversion failed on (libsamplerate did not load or failed; each is also a 'warning'). */
  conversionErrors: number;
}

interface UserState {
  readonly decoder: UserDecoder;
  readonly converter: Converter;
  chain: Promise<void>;
  utterance: number;
  active: { startMs: number; lastSpeechMs: number; lastArrivalMs: number; frames: number; concealed: number } | null;
  /** A conversion failure of this user was reported already (later ones are only counted). */
  conversionWarned: boolean;
}

/** One reader of chunks(): its own queue, so that every reader gets every chunk. */
interface Consumer {
  readonly queue: UtteranceChunk[];
  /** next() calls waiting for a chunk, in call order. */
  readonly waiters: ((r: IteratorResult<UtteranceChunk>) => void)[];
}

export class CallListener extends EventEmitter<{
  utteranceStart: [info: { userId: string; utterance: number; startMs: number }];
  utteranceEnd: [info: UtteranceInfo];
  /** Something was dropped that the stats count: the code says what (E_CONVERSION). Never thrown. */
  warning: [warning: { code: string; message: string; userId?: string }];
}> {
  readonly stats: ListenerStats = { frames: 0, concealed: 0, late: 0, gaps: 0, droppedUsers: 0, droppedChunks: 0, splits: 0, corrupt: 0, conversionErrors: 0 };
  private readonly users = new Map<string, UserState>();
  private readonly consumers = new Set<Consumer>();
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
      u = { decoder: new UserDecoder(Math.floor(this.o.maxConcealMs / 20), this.stats), converter: new Converter(this.rate, this.channels), chain: Promise.resolve(), utterance: 0, active: null, conversionWarned: false };
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
        .then(
          (pcm) => this.enqueue({ userId, utterance, pcm, sampleRate: this.rate, channels: this.channels, timeMs: f.timeMs, durationMs: 20, concealed: f.concealed ? 1 : 0 }),
          (e: unknown) => this.conversionFailed(userId, e),
        );
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

  /** A frame the output conversion failed on: counted, and the first failure of each user is a warning. */
  private conversionFailed(userId: string, e: unknown): void {
    this.stats.conversionErrors++;
    const u = this.users.get(userId);
    if (u && u.conversionWarned) return;
    if (u) u.conversionWarned = true;
    this.emit('warning', { code: 'E_CONVERSION', userId, message: `converting ${userId}'s audio to ${this.rate} Hz ${this.channels === 1 ? 'mono' : 'stereo'} failed (${(e as Error)?.message ?? String(e)}); their frames are dropped and counted in stats.conversionErrors` });
  }

  /** Every reader of chunks() gets the chunk; a reader that falls maxQueuedChunks behind loses its oldest. */
  private enqueue(c: UtteranceChunk): void {
    for (const k of this.consumers) {
      const w = k.waiters.shift();
      if (w) {
        w({ value: c, done: false });
        continue;
      }
      if (k.queue.length >= this.o.maxQueuedChunks) {
        k.queue.shift();
        this.stats.droppedChunks++;
      }
      k.queue.push(c);
    }
  }

  /** Every user's chunks in arrival order, as they are decoded. Ends when the listener is closed, after the chunks of everything pushed before close(). */
  chunks(): AsyncIterableIterator<UtteranceChunk> {
    const k: Consumer = { queue: [], waiters: [] };
    if (!this.drained) this.consumers.add(k);
    const self = this;
    return {
      [Symbol.asyncIterator]() {
        return this;
      },
      next(): Promise<IteratorResult<UtteranceChunk>> {
        const c = k.queue.shift();
        if (c) return Promise.resolve({ value: c, done: false });
        if (self.drained || !self.consumers.has(k)) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => k.waiters.push(resolve));
      },
      return(): Promise<IteratorResult<UtteranceChunk>> {
        self.consumers.delete(k);
        k.queue.length = 0;
        for (const w of k.waiters.splice(0)) w({ value: undefined, done: true });
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }

  /** Starts a mixed recording of everyone (48 kHz stereo, aligned by time) to a WAV or Ogg Opus file. */
  recordMix(path: string, format: 'wav' | 'ogg' = path.endsWith('.ogg') ? 'ogg' : 'wav'): void {
    if (this.mix) throw new AudioError('E_ALREADY_RUNNING', `a mixed recording is already running on this listener (to ${this.mix.path}); close() the listener to finish it, or listen() again for a second file`);
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
    for (const k of this.consumers) for (const w of k.waiters.splice(0)) w({ value: undefined, done: true });
    const mix = this.mix?.close() ?? null;
    this.mix = null;
    return mix;
  }
}

/** Starts listening to a connection (see CallListener). */
export function listen(source: AudioSource, options?: ListenOptions): CallListener {
  return new CallListener(source, options);
}
