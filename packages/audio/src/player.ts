/**
 * The AudioPlayer: plays a queue of resources into one or more connections, one 20 ms frame at a time, paced
 * by deadline (frame n at start + n × 20 ms, never drifting; after a stall it does not burst more than
 * `maxBurst` frames). Pause/stop send the five silence frames. A resource that stalls or fails ends that track
 * with a reason; the player carries on with the next one.
 */
import { EventEmitter } from 'node:events';
import { FramePacer, isSilenceFrame } from '@voicewire/voice-protocol';
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


/** Why a track ended; 'unsubscribed': no connection was left to play to and `noSubscriber` is 'stop'. */
export type TrackEndReason = 'finished' | 'stopped' | 'skipped' | 'error' | 'stalled' | 'unsubscribed';

/**
 * What the player does while no live connection is subscribed (none yet, or every one was destroyed):
 *   'pause' (default): waits, the track where it was, and carries on when a connection subscribes ('autopaused');
 *   'play': plays on, into nothing;
 *   'stop': ends the track ('unsubscribed') and clears the queue.
 */
export type NoSubscriberBehavior = 'pause' | 'play' | 'stop';

export interface AudioPlayerOptions {
  /** A source that yields nothing for this long ends its track with reason 'stalled'. */
  readonly stallTimeoutMs?: number;
  readonly maxBurst?: number;
  readonly now?: () => number;
  /** Emit 'progress' every this many frames (default 50 = 1 s). */
  readonly progressEvery?: number;
  /** While no live connection is subscribed: 'pause' (default), 'play' or 'stop'. */
  readonly noSubscriber?: NoSubscriberBehavior;
}

/** 'autopaused': a track is loaded but no live connection is subscribed (noSubscriber 'pause'). */
export type PlayerState = 'idle' | 'playing' | 'paused' | 'autopaused';

interface Waiter {
  due: number;
  resolve: () => void;
}

/**
 * One timer for every player of the process (they share the 20 ms grid's deadlines): waiters sit in a binary
 * min-heap by deadline; one setTimeout is armed for the earliest, and when it fires every waiter due within the
 * next `SLACK_MS` is released in one batch. The same clock watches reads that take too long (stalls), so a
 * player costs no timer per frame.
 */
const SLACK_MS = 1;
class FrameClock {
  private readonly heap: Waiter[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private armedFor = Infinity;
  private readonly watched = new Set<{ since: number; limit: number; onStall: () => void }>();
  private watchTimer: ReturnType<typeof setInterval> | null = null;

  wait(due: number, now: number): Promise<void> {
    if (due - now <= SLACK_MS) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.push({ due, resolve });
      if (due < this.armedFor) this.arm(now);
    });
  }

  /** Cancels nothing: a woken player re-checks its state; a waiter resolved early is harmless. */
  private arm(now: number): void {
    if (this.timer !== null) clearTimeout(this.timer);
    const first = this.heap[0];
    if (!first) {
      this.timer = null;
      this.armedFor = Infinity;
      return;
    }
    this.armedFor = first.due;
    this.timer = setTimeout(() => this.fire(), Math.max(0, first.due - now));
  }

  private fire(): void {
    this.timer = null;
    this.armedFor = Infinity;
    const now = performance.now();
    for (let w = this.heap[0]; w && w.due - now <= SLACK_MS; w = this.heap[0]) {
      this.pop();
      w.resolve();
    }
    if (this.heap.length > 0) this.arm(now);
  }

  /** Calls `onStall` if the returned handle is not released within `limit` ms (checked every 50 ms). */
  watch(limit: number, onStall: () => void): { release(): void } {
    const entry = { since: performance.now(), limit, onStall };
    this.watched.add(entry);
    if (this.watchTimer === null) {
      this.watchTimer = setInterval(() => {
        const now = performance.now();
        for (const e of this.watched) {
          if (now - e.since >= e.limit) {
            this.watched.delete(e);
            e.onStall();
          }
        }
        if (this.watched.size === 0 && this.watchTimer !== null) {
          clearInterval(this.watchTimer);
          this.watchTimer = null;
        }
      }, 50);
      (this.watchTimer as { unref?: () => void }).unref?.();
    }
    return { release: () => void this.watched.delete(entry) };
  }

  private push(w: Waiter): void {
    const h = this.heap;
    h.push(w);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((h[parent] as Waiter).due <= w.due) break;
      h[i] = h[parent] as Waiter;
      i = parent;
    }
    h[i] = w;
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop() as Waiter;
    if (h.length === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= h.length) break;
      const r = l + 1;
      const c = r < h.length && (h[r] as Waiter).due < (h[l] as Waiter).due ? r : l;
      if ((h[c] as Waiter).due >= last.due) break;
      h[i] = h[c] as Waiter;
      i = c;
    }
    h[i] = last;
  }
}
const clock = new FrameClock();

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
  private autopaused = false;
  /** A frame read as the last connection went away: sent first when one is back, so nothing is lost. */
  private held: Uint8Array | null = null;
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
    if (!this.current || this.interrupt === 'stopped') return 'idle';
    return this.autopaused ? 'autopaused' : 'playing';
  }

  /**
   * The current track's title and where it is (ms into the track: after a seek or a start position, the
   * position, not the time played), or null when idle.
   */
  get nowPlaying(): { title: string; playbackDurationMs: number } | null {
    const r = this.current;
    return r && this.state !== 'idle' ? { title: r.title, playbackDurationMs: r.positionMs ?? this.trackFrames * 20 } : null;
  }

  /**
   * Moves the current track to `ms` (Ogg and WebM files, ffmpeg reading a path or URL). The next frame sent is the
   * one at that position; `nowPlaying.playbackDurationMs` reports it. Throws E_NOT_PLAYING when idle and
   * E_SEEK_UNSUPPORTED for a resource that cannot seek (a stream, frames in memory).
   */
  seek(ms: number): void {
    const r = this.current;
    if (!r || this.state === 'idle') throw new AudioError('E_NOT_PLAYING', 'nothing is playing: seek() moves the current track');
    if (!r.seek) throw new AudioError('E_SEEK_UNSUPPORTED', `${r.title} cannot seek: only file-backed resources can (createOggOpusFileResource, createWebmOpusFileResource, or createFfmpegResource with a path or URL)`);
    r.seek(ms);
    this.held = null; // a frame of the old position
    this.pacer.reset(); // the next frame goes out at once, and the grid starts again from there
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
    if (this.autopaused && !sink.destroyed) this.wake?.(); // a listener again: carry on
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

  /** Waits until `due` on the shared clock; stop()/skip() wake it early. */
  private sleepUntil(due: number): Promise<void> {
    return new Promise((resolve) => {
      let done = false;
      const finish = (): void => {
        if (done) return;
        done = true;
        this.wake = null;
        resolve();
      };
      this.wake = finish;
      void clock.wait(due, this.now()).then(finish);
    });
  }

  /**
   * The next frame of `r`. A read that settles at once (frames in memory, a demuxer with data) costs no timer and
   * no extra promise; one that is still pending after this tick is raced against stop()/skip() and watched for a
   * stall by the shared clock.
   */
  private async readWithStall(r: AudioResource): Promise<Uint8Array | null | 'stalled' | 'interrupted'> {
    const ready = r.readSync?.();
    if (ready !== undefined) return ready;
    const read = r.read();
    let settled = false;
    let value: Uint8Array | null = null;
    let failure: unknown = null;
    let failed = false;
    read.then(
      (v) => {
        settled = true;
        value = v;
      },
      (e: unknown) => {
        settled = true;
        failed = true;
        failure = e;
      },
    );
    await undefined; // one microtask: lets an already-resolved read settle
    await undefined;
    if (settled) {
      if (failed) throw failure;
      return value;
    }
    return new Promise((resolve, reject) => {
      const stallMs = this.options.stallTimeoutMs ?? 5_000;
      let done = false;
      const finish = (v: Uint8Array | null | 'stalled' | 'interrupted', error?: unknown): void => {
        if (done) return;
        done = true;
        watch.release();
        this.wake = null;
        if (error !== undefined) reject(error);
        else resolve(v);
      };
      const watch = clock.watch(stallMs, () => finish('stalled'));
      this.wake = () => finish('interrupted');
      read.then((v) => finish(v), (e: unknown) => finish(null, e ?? new Error('the resource failed')));
    });
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
    const behavior = this.options.noSubscriber ?? 'pause';
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
        if (behavior !== 'play' && !this.hasLiveSink()) {
          if (behavior === 'stop') {
            for (const q of this.waiting.splice(0)) q.close();
            reason = 'unsubscribed';
            break;
          }
          if (behavior === 'pause') {
            this.autopaused = true;
            await new Promise<void>((resolve) => (this.wake = resolve));
            this.autopaused = false;
            this.pacer.reset();
            continue;
          }
        }
        const frame: Uint8Array | null | 'stalled' | 'interrupted' = this.held ?? (await this.readWithStall(r));
        this.held = null;
        if (frame === 'interrupted') continue;
        if (frame === 'stalled') {
          reason = 'stalled';
          error = new AudioError('E_STALLED', `${r.title} produced no audio for ${this.options.stallTimeoutMs ?? 5_000} ms`);
          break;
        }
        if (frame === null) break;
        const now = this.now();
        const wait = this.pacer.next(now);
        if (wait > 0) await this.sleepUntil(performance.now() + wait); // the shared clock runs on performance.now()
        if (this.interrupt) {
          reason = this.interrupt;
          break;
        }
        if (behavior !== 'play' && !this.hasLiveSink()) {
          this.held = frame;
          continue;
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
      this.held = null;
      this.current = null;
    }
    this.emit('end', error ? { title: r.title, reason, frames, error } : { title: r.title, reason, frames });
    if (error) this.report(error, r.title);
  }

  /** Reports an error as an 'error' event when someone listens; it never throws into the process. */
  private report(e: unknown, title: string | null): void {
    if (this.listenerCount('error') > 0) this.emit('error', e instanceof Error ? e : new Error(String(e)), title);
  }

  /** True when at least one subscribed sink is not destroyed (destroyed ones are dropped here). */
  private hasLiveSink(): boolean {
    for (const s of this.sinks) {
      if (!s.destroyed) return true;
      this.sinks.delete(s);
    }
    return false;
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
    if (isSilenceFrame(frame)) return frame;
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
