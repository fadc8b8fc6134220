/**
 * VoiceReceiver with @discordjs/voice's shape: per-user object-mode Readables of Opus packets with the three end
 * behaviours, a SpeakingMap driven by packet flow (start on the first packet, end 100 ms after the last) and an
 * SSRCMap. Packets arrive already decrypted (transport and DAVE) from the voicewire connection. Each stream's
 * buffer is bounded: a consumer that stops reading loses the oldest packets, counted in `dropped`.
 */
import { EventEmitter } from 'node:events';
import { Readable, type ReadableOptions } from 'node:stream';
import { EndBehaviorType, SILENCE_FRAME } from './enums.js';
import type { VoiceConnection } from './connection.js';

export type EndBehavior = { behavior: EndBehaviorType.AfterInactivity | EndBehaviorType.AfterSilence; duration: number } | { behavior: EndBehaviorType.Manual };

export interface AudioReceiveStreamOptions extends ReadableOptions {
  end: EndBehavior;
  /** voicewire: packets held for a consumer that is not reading (default 250 = 5 s); older ones are dropped. */
  maxBufferedPackets?: number;
}

export function createDefaultAudioReceiveStreamOptions(): AudioReceiveStreamOptions {
  return { end: { behavior: EndBehaviorType.Manual } };
}

export class AudioReceiveStream extends Readable {
  readonly end: EndBehavior;
  /** Packets dropped because the consumer did not keep up. */
  dropped = 0;
  private endTimeout: ReturnType<typeof setTimeout> | undefined;
  private readonly maxBuffered: number;

  constructor(options: AudioReceiveStreamOptions) {
    const { end, maxBufferedPackets, ...rest } = options;
    super({ ...rest, objectMode: true });
    this.end = end;
    this.maxBuffered = maxBufferedPackets ?? 250;
  }

  override push(buffer: Buffer | null): boolean {
    if (buffer === null) {
      clearTimeout(this.endTimeout);
      return super.push(null);
    }
    if (this.destroyed || this.readableEnded) return false;
    if (this.end.behavior === EndBehaviorType.AfterInactivity || (this.end.behavior === EndBehaviorType.AfterSilence && (!buffer.equals(SILENCE_FRAME) || this.endTimeout === undefined))) {
      this.renewEndTimeout(this.end);
    }
    if (this.readableLength >= this.maxBuffered) {
      this.dropped++;
      this.read(); // drop the oldest
    }
    return super.push(buffer);
  }

  private renewEndTimeout(end: { duration: number }): void {
    clearTimeout(this.endTimeout);
    this.endTimeout = setTimeout(() => this.push(null), end.duration);
  }

  override _read(): void {}

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    clearTimeout(this.endTimeout);
    callback(error);
  }
}

export interface VoiceUserData {
  audioSSRC: number;
  userId: string;
  videoSSRC?: number;
}

export interface SSRCMap extends EventEmitter {
  on(event: 'create', listener: (newData: VoiceUserData) => void): this;
  on(event: 'update', listener: (oldData: VoiceUserData | undefined, newData: VoiceUserData) => void): this;
  on(event: 'delete', listener: (deletedData: VoiceUserData) => void): this;
  on(event: string | symbol, listener: (...args: any[]) => void): this;
}

export class SSRCMap extends EventEmitter {
  private readonly map = new Map<number, VoiceUserData>();

  update(data: VoiceUserData): void {
    const old = this.map.get(data.audioSSRC);
    const next = { ...old, ...data };
    this.map.set(data.audioSSRC, next);
    if (!old) this.emit('create', next);
    this.emit('update', old, next);
  }

  get(target: number | string): VoiceUserData | undefined {
    if (typeof target === 'number') return this.map.get(target);
    for (const d of this.map.values()) if (d.userId === target) return d;
    return undefined;
  }

  delete(target: number | string): VoiceUserData | undefined {
    const d = this.get(target);
    if (d) {
      this.map.delete(d.audioSSRC);
      this.emit('delete', d);
    }
    return d;
  }
}

export interface SpeakingMap extends EventEmitter {
  on(event: 'start' | 'end', listener: (userId: string) => void): this;
  on(event: string | symbol, listener: (...args: any[]) => void): this;
}

export class SpeakingMap extends EventEmitter {
  /** Milliseconds after a user's last packet until they count as no longer speaking. */
  static readonly DELAY = 100;
  /** Users speaking now → when they started (ms since the epoch). */
  readonly users = new Map<string, number>();
  private readonly speakingTimeouts = new Map<string, ReturnType<typeof setTimeout>>();

  onPacket(userId: string): void {
    const t = this.speakingTimeouts.get(userId);
    if (t) clearTimeout(t);
    else if (!this.users.has(userId)) {
      this.users.set(userId, Date.now());
      this.emit('start', userId);
    }
    this.speakingTimeouts.set(
      userId,
      setTimeout(() => {
        this.speakingTimeouts.delete(userId);
        this.users.delete(userId);
        this.emit('end', userId);
      }, SpeakingMap.DELAY),
    );
  }

  /** @internal Clears every timer (the connection was destroyed). */
  clear(): void {
    for (const t of this.speakingTimeouts.values()) clearTimeout(t);
    this.speakingTimeouts.clear();
    this.users.clear();
  }
}

export class VoiceReceiver {
  readonly ssrcMap = new SSRCMap();
  readonly subscriptions = new Map<string, AudioReceiveStream>();
  readonly speaking = new SpeakingMap();

  constructor(readonly voiceConnection: VoiceConnection) {
    const v = voiceConnection.voicewire;
    v.on('audio', (frame) => {
      if (!this.ssrcMap.get(frame.ssrc)) this.ssrcMap.update({ audioSSRC: frame.ssrc, userId: frame.userId });
      this.speaking.onPacket(frame.userId);
      const stream = this.subscriptions.get(frame.userId);
      stream?.push(Buffer.from(frame.opus.buffer, frame.opus.byteOffset, frame.opus.byteLength));
    });
    v.on('clientDisconnect', (userId) => {
      this.ssrcMap.delete(userId);
    });
  }

  /** A Readable of the Opus packets `userId` sends; the same stream while one is open for that user. */
  subscribe(userId: string, options?: Partial<AudioReceiveStreamOptions>): AudioReceiveStream {
    const existing = this.subscriptions.get(userId);
    if (existing) return existing;
    const stream = new AudioReceiveStream({ ...createDefaultAudioReceiveStreamOptions(), ...options });
    const remove = (): void => {
      if (this.subscriptions.get(userId) === stream) this.subscriptions.delete(userId);
    };
    stream.once('end', remove);
    stream.once('close', remove);
    this.subscriptions.set(userId, stream);
    return stream;
  }

  /** @internal Ends every stream (the connection was destroyed). */
  destroyAll(): void {
    for (const s of [...this.subscriptions.values()]) s.push(null);
    this.subscriptions.clear();
    this.speaking.clear();
  }
}
