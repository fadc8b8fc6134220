/**
 * The AudioPlayer: plays a queue of resources into one or more connections, one 20 ms frame per cycle of the
 * process's media engine (media-engine.ts: one timer for every player, frame n at start + n × 20 ms, bounded
 * catch-up). A frame a resource has buffered is taken synchronously; otherwise one read is started and its frame
 * goes out in a later cycle. Pause/stop send the five silence frames. A resource that stalls or fails ends that
 * track with a reason; the player carries on with the next one.
 *
 * The state is one tagged union: idle, or a track that is playing, paused, or autopaused (no connection to play
 * to, noSubscriber 'pause'); the track owns its resource, its position, its pending read and a frame held back.
 */
import { EventEmitter } from 'node:events';
import { AudioError } from './errors.js';
import { defaultEngine, type CycleClient, type MediaEngine } from './media-engine.js';
import { OpusVolume } from './pcm.js';
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
  /** The media engine to run on (default: the one every player of the process shares; tests pass their own). */
  readonly engine?: MediaEngine;
  /** @deprecated The catch-up rule is the media engine's (`new MediaEngine({ maxBurst })`); ignored. */
  readonly maxBurst?: number;
  /** @deprecated The clock is the media engine's (`new MediaEngine({ timers })`); ignored. */
  readonly now?: () => number;
  /** Emit 'progress' every this many frames (default 50 = 1 s). */
  readonly progressEvery?: number;
  /** While no live connection is subscribed: 'pause' (default), 'play' or 'stop'. */
  readonly noSubscriber?: NoSubscriberBehavior;
}

/** 'autopaused': a track is loaded but no live connection is subscribed (noSubscriber 'pause'). */
export type PlayerState = 'idle' | 'playing' | 'paused' | 'autopaused';

/** A track while it is the current one. */
interface Track {
  readonly resource: AudioResource;
  frames: number;
  /** A frame read but not sent (it arrived from an async read, or the last connection went away). */
  held: Uint8Array | null;
  /** An async read is under way; when it started (for the stall check). */
  pendingSince: number | null;
  /** The resource said it has no more frames. */
  ended: boolean;
  /** The resource's read failed. */
  failure: Error | null;
  /** Bumped by seek(): a read started before it does not deliver into the track. */
  generation: number;
}

type State =
  | { readonly code: 'idle' }
  | { readonly code: 'playing'; readonly track: Track }
  | { readonly code: 'paused'; readonly track: Track }
  | { readonly code: 'autopaused'; readonly track: Track };

export class AudioPlayer
  extends EventEmitter<{
    start: [title: string];
    progress: [info: { title: string; frames: number }];
    end: [info: { title: string; reason: TrackEndReason; frames: number; error?: Error }];
    /** A track failed or stalled, or a sink threw. Emitted only when someone listens (the 'end' event has it too). */
    error: [error: Error, title: string | null];
    idle: [];
  }>
  implements CycleClient
{
  private readonly sinks = new Set<OpusSink>();
  private readonly waiting: AudioResource[] = [];
  private s: State = { code: 'idle' };
  private volume = 1;
  /** Decode → scale → encode for Opus resources while the volume is not 1. */
  private readonly volumePath = new OpusVolume();
  private readonly engine: MediaEngine;
  private readonly stallMs: number;
  private readonly progressEvery: number;
  private readonly noSubscriber: NoSubscriberBehavior;
  framesSent = 0;

  constructor(options: AudioPlayerOptions = {}) {
    super();
    this.engine = options.engine ?? defaultEngine;
    this.stallMs = options.stallTimeoutMs ?? 5_000;
    this.progressEvery = options.progressEvery ?? 50;
    this.noSubscriber = options.noSubscriber ?? 'pause';
  }

  /** 'idle' at once after stop(). */
  get state(): PlayerState {
    return this.s.code;
  }

  /**
   * The current track's title and where it is (ms into the track: after a seek or a start position, the
   * position, not the time played), or null when idle.
   */
  get nowPlaying(): { title: string; playbackDurationMs: number } | null {
    if (this.s.code === 'idle') return null;
    const t = this.s.track;
    return { title: t.resource.title, playbackDurationMs: t.resource.positionMs ?? t.frames * 20 };
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
    if (this.s.code === 'autopaused' && !sink.destroyed) this.to({ code: 'playing', track: this.s.track }); // a listener again
    return unsubscribe;
  }

  /** Adds to the queue; starts playing when idle ('start' is emitted before enqueue() returns). */
  enqueue(resource: AudioResource): void {
    this.waiting.push(resource);
    this.applyVolume(resource);
    if (this.s.code === 'idle') this.next();
  }

  /** Plays `resource` now, dropping the queue and ending the current track ('skipped'). */
  play(resource: AudioResource): void {
    for (const r of this.waiting.splice(0)) r.close();
    this.waiting.push(resource);
    this.applyVolume(resource);
    if (this.s.code === 'idle') this.next();
    else this.finish('skipped');
  }

  skip(): void {
    if (this.s.code !== 'idle') this.finish('skipped');
  }

  pause(): void {
    if (this.s.code !== 'playing' && this.s.code !== 'autopaused') return;
    this.to({ code: 'paused', track: this.s.track });
    this.silence();
  }

  resume(): void {
    if (this.s.code !== 'paused') return;
    this.to({ code: 'playing', track: this.s.track });
  }

  /** Ends the current track ('stopped') and clears the queue. */
  stop(): void {
    for (const r of this.waiting.splice(0)) r.close();
    if (this.s.code !== 'idle') this.finish('stopped');
  }

  /**
   * Moves the current track to `ms` (Ogg and WebM files, ffmpeg reading a path or URL). The next frame sent is the
   * one at that position; `nowPlaying.playbackDurationMs` reports it. Throws E_NOT_PLAYING when idle and
   * E_SEEK_UNSUPPORTED for a resource that cannot seek (a stream, frames in memory).
   */
  seek(ms: number): void {
    if (this.s.code === 'idle') throw new AudioError('E_NOT_PLAYING', 'nothing is playing: seek() moves the current track');
    const t = this.s.track;
    const r = t.resource;
    if (!r.seek) throw new AudioError('E_SEEK_UNSUPPORTED', `${r.title} cannot seek: only file-backed resources can (createOggOpusFileResource, createWebmOpusFileResource, or createFfmpegResource with a path or URL)`);
    r.seek(ms);
    t.generation++;
    t.held = null; // a frame of the old position
    t.pendingSince = null;
  }

  /**
   * Volume for every resource (1 = unchanged, up to 4). PCM resources scale before encoding; Opus resources
   * (Ogg, ffmpeg's default) are decoded, scaled and encoded again while the volume is not 1, and pass through
   * untouched at 1.
   */
  setVolume(volume: number): void {
    if (!(volume >= 0 && volume <= 4)) throw new RangeError('volume must be between 0 and 4');
    this.volume = volume;
    if (this.s.code !== 'idle') this.applyVolume(this.s.track.resource);
    for (const r of this.waiting) this.applyVolume(r);
  }

  /** @internal One cycle of the media engine: at most one frame to every live sink. */
  cycle(now: number): void {
    const st = this.s;
    if (st.code !== 'playing' && st.code !== 'autopaused') return;
    const t = st.track;
    if (t.failure) return this.finish('error', t.failure);
    if (this.noSubscriber !== 'play' && !this.hasLiveSink()) {
      if (this.noSubscriber === 'stop') {
        for (const r of this.waiting.splice(0)) r.close();
        return this.finish('unsubscribed');
      }
      if (st.code === 'playing') this.to({ code: 'autopaused', track: t });
      return;
    }
    if (st.code === 'autopaused') this.to({ code: 'playing', track: t });
    let frame = t.held;
    t.held = null;
    if (frame === null) {
      if (t.pendingSince !== null) {
        // waiting for the resource: an underrun this cycle, or a stall once it has lasted stallTimeoutMs
        if (now - t.pendingSince >= this.stallMs) this.finish('stalled', new AudioError('E_STALLED', `${t.resource.title} produced no audio for ${this.stallMs} ms`));
        return;
      }
      if (t.ended) return this.finish('finished');
      const ready = this.readNow(t, now);
      if (ready === undefined) return; // a read is under way
      if (ready === null) return this.finish('finished');
      frame = ready;
    }
    this.send(t.resource.volume === undefined && this.volume !== 1 ? this.scale(frame) : frame);
    t.frames++;
    this.framesSent++;
    if (t.frames % this.progressEvery === 0) this.emit('progress', { title: t.resource.title, frames: t.frames });
    // a resource without a synchronous path gets its next read started now, so its frame is there next cycle
    if (!t.resource.readSync && t.pendingSince === null && t.held === null && !t.ended && this.s.code === 'playing' && this.s.track === t) this.startRead(t, now);
  }

  /** The next frame if the resource has one now, null at its end, undefined when a read had to be started. */
  private readNow(t: Track, now: number): Uint8Array | null | undefined {
    if (t.resource.readSync) {
      try {
        const f = t.resource.readSync();
        if (f !== undefined) return f;
      } catch (e) {
        t.failure = asError(e);
        return undefined;
      }
    }
    this.startRead(t, now);
    return undefined;
  }

  private startRead(t: Track, now: number): void {
    t.pendingSince = now;
    const generation = t.generation;
    let read: Promise<Uint8Array | null>;
    try {
      read = t.resource.read();
    } catch (e) {
      t.pendingSince = null;
      t.failure = asError(e);
      return;
    }
    read.then(
      (f) => {
        if (t.generation !== generation) return; // seek() moved on
        t.pendingSince = null;
        if (f === null) t.ended = true;
        else t.held = f;
      },
      (e: unknown) => {
        if (t.generation !== generation) return;
        t.pendingSince = null;
        t.failure = asError(e ?? new Error('the resource failed'));
      },
    );
  }

  /** The next queued resource becomes the current track, or the player goes idle. */
  private next(): void {
    const r = this.waiting.shift();
    if (!r) {
      this.to({ code: 'idle' });
      this.silence();
      this.emit('idle');
      return;
    }
    this.to({ code: 'playing', track: { resource: r, frames: 0, held: null, pendingSince: null, ended: false, failure: null, generation: 0 } });
    this.emit('start', r.title);
  }

  /** Ends the current track with `reason` and moves on to the next one. */
  private finish(reason: TrackEndReason, error?: Error): void {
    const st = this.s;
    if (st.code === 'idle') return;
    const t = st.track;
    t.generation++; // a read still under way delivers nothing
    try {
      t.resource.close();
    } catch {
      // closing is best effort
    }
    this.to({ code: 'idle' });
    this.emit('end', error ? { title: t.resource.title, reason, frames: t.frames, error } : { title: t.resource.title, reason, frames: t.frames });
    if (error) this.report(error, t.resource.title);
    if (this.s.code === 'idle') this.next(); // an 'end' listener may have started something already
  }

  /** Moves to a state; the engine drives the player only while a track plays or waits for a connection. */
  private to(next: State): void {
    this.s = next;
    if (next.code === 'playing' || next.code === 'autopaused') this.engine.add(this);
    else this.engine.remove(this);
  }

  private applyVolume(r: AudioResource): void {
    if (r.volume !== undefined) r.volume = this.volume;
  }

  /** Reports an error as an 'error' event when someone listens; it never throws into the process. */
  private report(e: unknown, title: string | null): void {
    if (this.listenerCount('error') > 0) this.emit('error', asError(e), title);
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
        this.report(e, this.nowPlaying?.title ?? null);
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
    return this.volumePath.apply(frame, this.volume);
  }

}

const asError = (e: unknown): Error => (e instanceof Error ? e : new Error(String(e)));
