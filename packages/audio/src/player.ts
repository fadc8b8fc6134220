/**
 * The AudioPlayer: plays a queue of resources into one or more connections, one 20 ms frame at a time, paced
 * by deadline (frame n at start + n × 20 ms, never drifting; after a stall it does not burst more than
 * `maxBurst` frames). Pause/stop send the five silence frames. A resource that stalls or fails ends that track
 * with a reason; the player carries on with the next one.
 */
import { EventEmitter } from 'node:events';
import { FramePacer } from '@voicewire/voice-protocol';
import { AudioError } from './errors.js';
import type { AudioResource } from './resource.js';

/** What the player sends into: a VoiceConnection fits. */
export interface OpusSink {
  sendOpusFrame(frame: Uint8Array): boolean;
  stopSpeaking(): void;
}

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
  idle: [];
}> {
  private readonly sinks = new Set<OpusSink>();
  private readonly queue: AudioResource[] = [];
  private current: AudioResource | null = null;
  private running = false;
  private paused = false;
  private interrupt: TrackEndReason | null = null;
  private wake: (() => void) | null = null;
  private volume = 1;
  private readonly pacer: FramePacer;
  private readonly now: () => number;
  framesSent = 0;

  constructor(private readonly options: AudioPlayerOptions = {}) {
    super();
    this.pacer = new FramePacer(20, options.maxBurst ?? 3);
    this.now = options.now ?? (() => performance.now());
  }

  get state(): PlayerState {
    return this.paused ? 'paused' : this.current ? 'playing' : 'idle';
  }

  /** Sends into `sink` from now on; returns a function that unsubscribes it. */
  subscribe(sink: OpusSink): () => void {
    this.sinks.add(sink);
    return () => this.sinks.delete(sink);
  }

  /** Adds to the queue; starts playing when idle. */
  enqueue(resource: AudioResource): void {
    this.queue.push(resource);
    this.applyVolume(resource);
    if (!this.running) void this.loop();
  }

  /** Plays `resource` now, dropping the queue and ending the current track ('skipped'). */
  play(resource: AudioResource): void {
    for (const r of this.queue.splice(0)) r.close();
    if (this.current) this.interruptWith('skipped');
    this.enqueue(resource);
  }

  skip(): void {
    if (this.current) this.interruptWith('skipped');
  }

  pause(): void {
    if (this.paused || !this.current) return;
    this.paused = true;
    for (const s of this.sinks) s.stopSpeaking();
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.pacer.reset();
    this.wake?.();
  }

  /** Ends the current track ('stopped') and clears the queue. */
  stop(): void {
    for (const r of this.queue.splice(0)) r.close();
    if (this.current) this.interruptWith('stopped');
  }

  /** Volume for PCM resources (1 = unchanged). */
  setVolume(volume: number): void {
    if (!(volume >= 0 && volume <= 4)) throw new RangeError('volume must be between 0 and 4');
    this.volume = volume;
    if (this.current) this.applyVolume(this.current);
    for (const r of this.queue) this.applyVolume(r);
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
      for (let r = this.queue.shift(); r; r = this.queue.shift()) await this.playTrack(r);
    } finally {
      this.running = false;
      this.current = null;
      for (const s of this.sinks) s.stopSpeaking();
      this.emit('idle');
    }
  }

  private async playTrack(r: AudioResource): Promise<void> {
    this.current = r;
    this.interrupt = null;
    this.pacer.reset();
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
        for (const s of this.sinks) s.sendOpusFrame(frame);
        frames++;
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
  }
}
