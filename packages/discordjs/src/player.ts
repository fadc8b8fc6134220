/**
 * AudioPlayer with @discordjs/voice's states, events and behaviours (Idle, Buffering, Playing, Paused,
 * AutoPaused; noSubscriber and maxMissedFrames), driven by voicewire's media engine (one 20 ms cycle shared by every
 * player of the process, the native AudioPlayer's too: start + n × 20 ms, no drift), sending through voicewire
 * connections.
 */
import { EventEmitter } from 'node:events';
import { defaultEngine, type CycleClient } from '@voicewire/audio';
import { AudioPlayerStatus, NoSubscriberBehavior, SILENCE_FRAME, VoiceConnectionStatus } from './enums.js';
import type { AudioResource } from './resource.js';

/** What the player needs of a connection (VoiceConnection of this package). */
export interface PlayerTarget {
  readonly state: { readonly status: VoiceConnectionStatus };
  playOpusPacket(packet: Buffer): boolean | undefined;
  setSpeaking(enabled: boolean): false | void;
  /** @internal */ onSubscriptionRemoved(subscription: PlayerSubscription): void;
}

export class AudioPlayerError extends Error {
  readonly resource: AudioResource;
  constructor(error: Error, resource: AudioResource) {
    super(error.message);
    this.name = 'AudioPlayerError';
    this.resource = resource;
    this.cause = error;
    if (error.stack) this.stack = error.stack;
  }
}

export class PlayerSubscription {
  constructor(readonly connection: PlayerTarget, readonly player: AudioPlayer) {}
  /** Stops the player from playing to this connection. */
  unsubscribe(): void {
    if (this.player['removeSubscription'](this)) this.connection.onSubscriptionRemoved(this);
  }
}

export interface CreateAudioPlayerOptions {
  behaviors?: {
    /** Consecutive 20 ms ticks without a packet before the track is stopped. Default 5. */
    maxMissedFrames?: number;
    noSubscriber?: NoSubscriberBehavior;
  };
  debug?: boolean;
}

export interface AudioPlayerIdleState {
  status: AudioPlayerStatus.Idle;
}
export interface AudioPlayerBufferingState {
  status: AudioPlayerStatus.Buffering;
  resource: AudioResource;
  onReadableCallback: () => void;
  onFailureCallback: () => void;
  onStreamError: (error: Error) => void;
}
export interface AudioPlayerPlayingState {
  status: AudioPlayerStatus.Playing;
  resource: AudioResource;
  /** Consecutive ticks the resource had no packet. */
  missedFrames: number;
  /** Milliseconds played, including silence sent while the resource was late. */
  playbackDuration: number;
  onStreamError: (error: Error) => void;
}
export interface AudioPlayerPausedState {
  status: AudioPlayerStatus.AutoPaused | AudioPlayerStatus.Paused;
  resource: AudioResource;
  playbackDuration: number;
  /** Silence frames still to send so the listeners' decoders do not interpolate. */
  silencePacketsRemaining: number;
  onStreamError: (error: Error) => void;
}
export type AudioPlayerState = AudioPlayerBufferingState | AudioPlayerIdleState | AudioPlayerPausedState | AudioPlayerPlayingState;

// Every player runs on voicewire's media engine: one 20 ms cycle for every player of the process (the native
// AudioPlayer's too), tick n at start + n × 20 ms, bounded catch-up after a blocked event loop.
const FRAME_MS = 20;

// ───────────────────────────── the player ─────────────────────────────

export interface AudioPlayer extends EventEmitter {
  on(event: 'error', listener: (error: AudioPlayerError) => void): this;
  on(event: 'debug', listener: (message: string) => void): this;
  on(event: 'stateChange', listener: (oldState: AudioPlayerState, newState: AudioPlayerState) => void): this;
  on(event: 'subscribe' | 'unsubscribe', listener: (subscription: PlayerSubscription) => void): this;
  on<E extends AudioPlayerStatus>(event: E, listener: (oldState: AudioPlayerState, newState: AudioPlayerState & { status: E }) => void): this;
  on(event: string | symbol, listener: (...args: any[]) => void): this;
}

export class AudioPlayer extends EventEmitter implements CycleClient {
  private _state: AudioPlayerState = { status: AudioPlayerStatus.Idle };
  private readonly subscribers: PlayerSubscription[] = [];
  private readonly behaviors: { maxMissedFrames: number; noSubscriber: NoSubscriberBehavior };
  private readonly debugLog: ((message: string) => void) | null;

  constructor(options: CreateAudioPlayerOptions = {}) {
    super();
    this.behaviors = { maxMissedFrames: options.behaviors?.maxMissedFrames ?? 5, noSubscriber: options.behaviors?.noSubscriber ?? NoSubscriberBehavior.Pause };
    this.debugLog = options.debug ? (m) => this.emit('debug', m) : null;
  }

  /** The subscribed connections that can play now (status Ready). */
  get playable(): PlayerTarget[] {
    return this.subscribers.map((s) => s.connection).filter((c) => c.state.status === VoiceConnectionStatus.Ready);
  }

  /** The ready connections, into one array the player reuses every tick (the getter makes two arrays a call). */
  private readonly ready: PlayerTarget[] = [];
  private readyTargets(): PlayerTarget[] {
    const out = this.ready;
    out.length = 0;
    for (const s of this.subscribers) if (s.connection.state.status === VoiceConnectionStatus.Ready) out.push(s.connection);
    return out;
  }

  /** @internal Use VoiceConnection#subscribe. */
  private subscribe(connection: PlayerTarget): PlayerSubscription {
    const existing = this.subscribers.find((s) => s.connection === connection);
    if (existing) return existing;
    const sub = new PlayerSubscription(connection, this);
    this.subscribers.push(sub);
    setImmediate(() => this.emit('subscribe', sub));
    return sub;
  }

  private removeSubscription(sub: PlayerSubscription): boolean {
    const i = this.subscribers.indexOf(sub);
    if (i < 0) return false;
    this.subscribers.splice(i, 1);
    sub.connection.setSpeaking(false);
    this.emit('unsubscribe', sub);
    return true;
  }

  get state(): AudioPlayerState {
    return this._state;
  }

  set state(newState: AudioPlayerState) {
    const oldState = this._state;
    const oldResource = 'resource' in oldState ? oldState.resource : undefined;
    const newResource = 'resource' in newState ? newState.resource : undefined;
    if (oldState.status !== AudioPlayerStatus.Idle && oldResource !== newResource && oldResource) {
      oldResource.playStream.off('error', oldState.onStreamError);
      oldResource.audioPlayer = undefined;
      oldResource.playStream.destroy();
    }
    if (oldState.status === AudioPlayerStatus.Buffering && (newState.status !== AudioPlayerStatus.Buffering || newState.resource !== oldState.resource)) {
      oldState.resource.playStream.off('end', oldState.onFailureCallback);
      oldState.resource.playStream.off('close', oldState.onFailureCallback);
      oldState.resource.playStream.off('finish', oldState.onFailureCallback);
      oldState.resource.playStream.off('readable', oldState.onReadableCallback);
    }
    const stopsSound = newState.status === AudioPlayerStatus.Idle || newState.status === AudioPlayerStatus.Buffering;
    if (stopsSound && oldState.status !== AudioPlayerStatus.Idle && oldState.status !== AudioPlayerStatus.Buffering) {
      for (const s of this.subscribers) s.connection.setSpeaking(false);
    }
    // Playing → Playing with the same resource keeps the counters' object fresh but is not a status change.
    this._state = newState;
    if (newState.status === AudioPlayerStatus.Idle) defaultEngine.remove(this);
    else defaultEngine.add(this);
    const changedResource = oldResource !== newResource;
    this.debugLog?.(`state change: ${oldState.status} → ${newState.status}`);
    this.emit('stateChange', oldState, newState);
    if (oldState.status !== newState.status || changedResource) this.emit(newState.status, oldState, newState);
  }

  /**
   * Plays a resource, replacing (and destroying) the current one without passing through Idle. Throws when the
   * resource has ended or belongs to another player.
   */
  play<M>(resource: AudioResource<M>): void {
    if (resource.ended) throw new Error('Cannot play a resource that has already ended.');
    if (resource.audioPlayer) {
      if (resource.audioPlayer === this) return;
      throw new Error('Resource is already being played by another audio player.');
    }
    resource.audioPlayer = this;
    const r = resource as AudioResource;
    const onStreamError = (error: Error): void => {
      if (this._state.status !== AudioPlayerStatus.Idle && 'resource' in this._state && this._state.resource === r) {
        this.report(error, r);
        this.state = { status: AudioPlayerStatus.Idle };
      }
    };
    r.playStream.once('error', onStreamError);
    if (r.started) {
      this.state = { status: AudioPlayerStatus.Playing, missedFrames: 0, playbackDuration: 0, resource: r, onStreamError };
      return;
    }
    const onReadableCallback = (): void => {
      if (this._state.status === AudioPlayerStatus.Buffering && this._state.resource === r) {
        this.state = { status: AudioPlayerStatus.Playing, missedFrames: 0, playbackDuration: 0, resource: r, onStreamError };
      }
    };
    const onFailureCallback = (): void => {
      if (this._state.status === AudioPlayerStatus.Buffering && this._state.resource === r) this.state = { status: AudioPlayerStatus.Idle };
    };
    r.playStream.once('readable', onReadableCallback);
    r.playStream.once('end', onFailureCallback);
    r.playStream.once('close', onFailureCallback);
    r.playStream.once('finish', onFailureCallback);
    this.state = { status: AudioPlayerStatus.Buffering, resource: r, onReadableCallback, onFailureCallback, onStreamError };
  }

  /** Pauses; with `interpolateSilence` (default) five silence frames follow. */
  pause(interpolateSilence = true): boolean {
    if (this._state.status !== AudioPlayerStatus.Playing) return false;
    const s = this._state;
    this.state = { status: AudioPlayerStatus.Paused, resource: s.resource, playbackDuration: s.playbackDuration, silencePacketsRemaining: interpolateSilence ? 5 : 0, onStreamError: s.onStreamError };
    return true;
  }

  unpause(): boolean {
    if (this._state.status !== AudioPlayerStatus.Paused) return false;
    const s = this._state;
    this.state = { status: AudioPlayerStatus.Playing, resource: s.resource, playbackDuration: s.playbackDuration, missedFrames: 0, onStreamError: s.onStreamError };
    return true;
  }

  /**
   * Stops and destroys the current resource. Without `force`, its silence padding is played first, then Idle.
   * Returns false when there was nothing to stop.
   */
  stop(force = false): boolean {
    if (this._state.status === AudioPlayerStatus.Idle) return false;
    if (force || this._state.resource.silencePaddingFrames === 0) this.state = { status: AudioPlayerStatus.Idle };
    else if (this._state.resource.silenceRemaining === -1) this._state.resource.silenceRemaining = this._state.resource.silencePaddingFrames;
    return true;
  }

  /** Whether the current resource can still be read; goes Idle when it cannot. */
  checkPlayable(): boolean {
    const s = this._state;
    if (s.status === AudioPlayerStatus.Idle || s.status === AudioPlayerStatus.Buffering) return false;
    if (!s.resource.readable) {
      this.state = { status: AudioPlayerStatus.Idle };
      return false;
    }
    return true;
  }

  private report(error: Error, resource?: AudioResource): void {
    const r = resource ?? ('resource' in this._state ? this._state.resource : undefined);
    const e = r ? new AudioPlayerError(error, r) : error;
    // An 'error' event nobody listens to would throw and crash the process; say it on 'debug' and as a warning instead.
    if (this.listenerCount('error') > 0) this.emit('error', e);
    else {
      this.debugLog?.(`error (no 'error' listener): ${error.message}`);
      process.emitWarning(`@voicewire/discordjs AudioPlayer: ${error.message} (add an 'error' listener to handle it)`, { code: 'VOICEWIRE_PLAYER_ERROR' });
    }
  }

  private send(packet: Buffer, to: readonly PlayerTarget[]): void {
    for (const c of to) c.playOpusPacket(packet);
  }

  /** @internal One cycle of the media engine. */
  cycle(): void {
    try {
      this.step();
    } catch (e) {
      this.report(e as Error);
    }
  }

  /** One 20 ms tick. */
  private step(): void {
    const s = this._state;
    if (s.status === AudioPlayerStatus.Idle || s.status === AudioPlayerStatus.Buffering) return;
    if (!this.checkPlayable()) return;
    const playable = this.readyTargets();
    if (s.status === AudioPlayerStatus.AutoPaused && playable.length > 0) {
      this.state = { status: AudioPlayerStatus.Playing, resource: s.resource, playbackDuration: s.playbackDuration, missedFrames: 0, onStreamError: s.onStreamError };
      return this.step();
    }
    if (s.status === AudioPlayerStatus.Paused || s.status === AudioPlayerStatus.AutoPaused) {
      if (s.silencePacketsRemaining > 0) {
        s.silencePacketsRemaining--;
        this.send(SILENCE_FRAME, playable);
        if (s.silencePacketsRemaining === 0) for (const c of playable) c.setSpeaking(false);
      }
      return;
    }
    if (s.status !== AudioPlayerStatus.Playing) return;
    if (playable.length === 0) {
      if (this.behaviors.noSubscriber === NoSubscriberBehavior.Pause) {
        this.state = { status: AudioPlayerStatus.AutoPaused, resource: s.resource, playbackDuration: s.playbackDuration, silencePacketsRemaining: 5, onStreamError: s.onStreamError };
        return;
      }
      if (this.behaviors.noSubscriber === NoSubscriberBehavior.Stop) {
        this.stop(true);
        return;
      }
    }
    const packet = s.resource.read();
    if (packet) {
      s.playbackDuration += FRAME_MS;
      s.missedFrames = 0;
      this.send(packet, playable);
      return;
    }
    if (s.resource.seeking) return; // voicewire's seek(): ffmpeg is starting at the new position, not running dry
    s.missedFrames++;
    if (s.missedFrames < this.behaviors.maxMissedFrames) {
      s.playbackDuration += FRAME_MS;
      this.send(SILENCE_FRAME, playable); // the resource is late: keep the listeners' decoders fed
    } else this.stop();
    if (!s.resource.readable) this.checkPlayable();
  }
}

export function createAudioPlayer(options?: CreateAudioPlayerOptions): AudioPlayer {
  return new AudioPlayer(options);
}
