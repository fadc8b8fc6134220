/**
 * The AudioPlayer: plays a queue of resources into one or more connections, one 20 ms frame at a time, paced
 * by deadline (frame n at start + n × 20 ms, never drifting; after a stall it does not burst more than
 * `maxBurst` frames). Pause/stop send the five silence frames. A resource that stalls or fails ends that track
 * with a reason; the player carries on with the next one.
 */
import { EventEmitter } from 'node:events';
import { FramePacer } from '@voicewire/voice-protocol';
import { AudioError } from './errors.js';
import { applyVolume, OpusCodec, PCM_FRAME_BYTES } from './pcm.js';
import type { AudioResource } from './resource.js';

/**
 * What the player sends into: a VoiceConnection fits. A sink that reports `destroyed` (or emits 'destroyed') is
 * dropped by the player; a sink that throws is dropped too, and the error is reported, never thrown.
 */
export interface OpusSink {
  sendOpusFrame(frame: Uint8Array): boolean;
  stopSpeaking(): void;
  readonly destroyed?: boolean;
  once?(event: 'destroyed', listener: () => void): unknown;
}

const SILENCE = [0xf8, 0xff, 0xfe];
const isSilence = (f: Uint8Array): boolean => f.length === 3 && f[0] === SILENCE[0] && f[1] === SILENCE[1] && f[2] === SILENCE[2];

export type TrackEndReason = 'finished' | 'stopped' | 'skipped' | 'error' | 'stalled';

export interface AudioPlayerOptions {
  /** A source that yields nothing for this long ends its track with reason 'stalled'. */
  readonly stallTimeoutMs?: number;
  readonly maxBurst?: number;
  readonly now?: () => number;
  /** Emit 'progress' every this many frames (default 50 = 1 s). */
  readonly progressEvery?: number;
}

export type PlayerState = 'idle' | 'playing' | 'paused';

export class AudioPlayer extends EventEmitter<{
  start: [title: string];
  progress: [info: { title: string; frames: number }];
  end: [info: { title: string; reason: TrackEndReason; frames: number; error?: Error }];
  /** A track failed or stalled, or a sink threw. Emitted only when someone listens (the 'end' event has it too). */
  error: [error: Error, title: string | null];
  idle: [];
}> {
  private readonly sinks = new Set<OpusSink>();
  private readonly waiting: AudioResource[] = [];
  private current: AudioResource | null = null;
  private running = false;
  private paused = false;
  private interrupt: TrackEndReason | null = null;
  private wake: (() => void) | null = null;
  private volume = 1;
  /** Decode → scale → encode for Opus resources while the volume is not 1. */
  private transcoder: OpusCodec | null = null;
  private trackFrames = 0;
  private readonly pacer: FramePacer;
  private readonly now: () => number;
  framesSent = 0;

  constructor(private readonly options: AudioPlayerOptions = {}) {
    super();
    this.pacer = new FramePacer(20, options.maxBurst ?? 3);
    this.now = options.now ?? (() => performance.now());
  }

  /** 'idle' at once after stop(), even while the track winds down. */
  get state(): PlayerState {
    if (this.paused) return 'paused';
    return this.current && this.interrupt !== 'stopped' ? 'playing' : 'idle';
  }

  /** The current track's title and how much of it was played (ms), or null when idle. */
  get nowPlaying(): { title: string; playbackDurationMs: number } | null {
    return this.current && this.state !== 'idle' ? { title: this.current.title, playbackDurationMs: this.trackFrames * 20 } : null;
  }

  /** The resources waiting after the current one, in order (a copy). */
  get queue(): readonly AudioResource[] {
    return [...this.waiting];
  }

  get currentVolume(): number {
    return this.volume;
  }

  /** Sends into `sink` from now on; returns a function that unsubscribes it. A destroyed connection unsubscribes itself. */
  subscribe(sink: OpusSink): () => void {
    this.sinks.add(sink);
    const unsubscribe = (): void => {
      this.sinks.delete(sink);
    };
    try {
      sink.once?.('destroyed', unsubscribe);
    } catch {
      // a sink without usable events is still checked through `destroyed`
    }
    return unsubscribe;
  }

  /** Adds to the queue; starts playing when idle. */
  enqueue(resource: AudioResource): void {
    this.waiting.push(resource);
    this.applyVolume(resource);
    if (!this.running) this.loop().catch((e: unknown) => this.report(e, null));
  }

  /** Plays `resource` now, dropping the queue and ending the current track ('skipped'). */
  play(resource: AudioResource): void {
    for (const r of this.waiting.splice(0)) r.close();
    if (this.current) this.interruptWith('skipped');
    this.enqueue(resource);
  }

  skip(): void {
    if (this.current) this.interruptWith('skipped');
  }

  pause(): void {
    if (this.paused || !this.current) return;
    this.paused = true;
    this.silence();
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.pacer.reset();
    this.wake?.();
  }

  /** Ends the current track ('stopped') and clears the queue. */
  stop(): void {
    for (const r of this.waiting.splice(0)) r.close();
    if (this.current) this.interruptWith('stopped');
  }

  /**
   * Volume for every resource (1 = unchanged, up to 4). PCM resources scale before encoding; Opus resources
   * (Ogg, ffmpeg's default) are decoded, scaled and encoded again while the volume is not 1, and pass through
   * untouched at 1.
   */
  setVolume(volume: number): void {
    if (!(volume >= 0 && volume <= 4)) throw new RangeError('volume must be between 0 and 4');
    this.volume = volume;
    if (this.current) this.applyVolume(this.current);
    for (const r of this.waiting) this.applyVolume(r);
  }

  private applyVolume(r: AudioResource): void {
    if (r.volume !== undefined) r.volume = this.volume;
  }

  private interruptWith(reason: TrackEndReason): void {
    this.interrupt = reason;
    this.paused = false;
    this.wake?.();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.wake = null;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(t);
        this.wake = null;
        resolve();
      };
    });
  }

  private async readWithStall(r: AudioResource): Promise<Uint8Array | null | 'stalled' | 'interrupted'> {
    const stallMs = this.options.stallTimeoutMs ?? 5_000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stalled = new Promise<'stalled'>((resolve) => (timer = setTimeout(() => resolve('stalled'), stallMs)));
    const interrupted = new Promise<'interrupted'>((resolve) => {
      const prev = this.wake;
      this.wake = () => {
        prev?.();
        resolve('interrupted');
      };
    });
    try {
      return await Promise.race([r.read(), stalled, interrupted]);
    } finally {
      clearTimeout(timer);
      this.wake = null;
    }
  }

  private async loop(): Promise<void> {
    this.running = true;
    try {
      for (let r = this.waiting.shift(); r; r = this.waiting.shift()) await this.playTrack(r);
    } finally {
      this.running = false;
      this.current = null;
      this.silence();
      this.emit('idle');
    }
  }

  private async playTrack(r: AudioResource): Promise<void> {
    this.current = r;
    this.interrupt = null;
    this.pacer.reset();
    this.trackFrames = 0;
    let frames = 0;
    let reason: TrackEndReason = 'finished';
    let error: Error | undefined;
    this.emit('start', r.title);
    try {
      for (;;) {
        if (this.interrupt) {
          reason = this.interrupt;
          break;
        }
        if (this.paused) {
          await new Promise<void>((resolve) => (this.wake = resolve));
          continue;
        }
        const frame = await this.readWithStall(r);
        if (frame === 'interrupted') continue;
        if (frame === 'stalled') {
          reason = 'stalled';
          error = new AudioError('E_STALLED', `${r.title} produced no audio for ${this.options.stallTimeoutMs ?? 5_000} ms`);
          break;
        }
        if (frame === null) break;
        const wait = this.pacer.next(this.now());
        if (wait > 0) await this.sleep(wait);
        if (this.interrupt) {
          reason = this.interrupt;
          break;
        }
        this.send(r.volume === undefined && this.volume !== 1 ? this.scale(frame) : frame);
        frames++;
        this.trackFrames = frames;
        this.framesSent++;
        if (frames % (this.options.progressEvery ?? 50) === 0) this.emit('progress', { title: r.title, frames });
      }
    } catch (e) {
      reason = 'error';
      error = e instanceof Error ? e : new Error(String(e));
    } finally {
      r.close();
      this.current = null;
    }
    this.emit('end', error ? { title: r.title, reason, frames, error } : { title: r.title, reason, frames });
    if (error) this.report(error, r.title);
  }

  /** Reports an error as an 'error' event when someone listens; it never throws into the process. */
  private report(e: unknown, title: string | null): void {
    if (this.listenerCount('error') > 0) this.emit('error', e instanceof Error ? e : new Error(String(e)), title);
  }

  /** Sends one frame to every live sink; a destroyed or throwing sink is dropped. */
  private send(frame: Uint8Array): void {
    for (const s of this.sinks) {
      if (s.destroyed) {
        this.sinks.delete(s);
        continue;
      }
      try {
        s.sendOpusFrame(frame);
      } catch (e) {
        this.sinks.delete(s);
        this.report(e, this.current?.title ?? null);
      }
    }
  }

  private silence(): void {
    for (const s of this.sinks) {
      if (s.destroyed) {
        this.sinks.delete(s);
        continue;
      }
      try {
        s.stopSpeaking();
      } catch (e) {
        this.sinks.delete(s);
        this.report(e, null);
      }
    }
  }

  /** An Opus frame at the player's volume: decoded, scaled, encoded. Silence and undecodable frames pass as they are. */
  private scale(frame: Uint8Array): Uint8Array {
    if (isSilence(frame)) return frame;
    this.transcoder ??= new OpusCodec();
    let pcm: Uint8Array;
    try {
      pcm = this.transcoder.decode(frame);
    } catch {
      return frame;
    }
    if (pcm.length !== PCM_FRAME_BYTES) return frame; // not a 20 ms frame: the player only paces 20 ms frames anyway
    applyVolume(pcm, this.volume);
    return this.transcoder.encode(pcm);
  }
}
