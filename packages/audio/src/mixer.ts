/**
 * A Mixer plays several tracks into one connection: it is itself an AudioResource (give it to an AudioPlayer),
 * and tracks join and end at any time. Each track has its own volume; a track that ducks lowers every other
 * track while it plays (music at 30 % while a TTS voice speaks), with a short ramp so the change does not click.
 * When only one Opus track plays at unit gain, its frames pass through untouched (no decode, no encode).
 *
 *   const mixer = new Mixer();
 *   player.enqueue(mixer);                                  // use new AudioPlayer({ stallTimeoutMs: Infinity })
 *   mixer.add(createOggOpusFileResource('music.ogg'), { volume: 0.8 });
 *   mixer.add(createPcmResource(tts), { duck: 0.3 });        // music at 30 % while this plays
 */
import { isSilenceFrame, OPUS_SILENCE_FRAME } from '@voicewire/voice-protocol';
import { OpusCodec, PCM_FRAME_BYTES } from './pcm.js';
import type { AudioResource } from './resource.js';

export interface MixerTrackOptions {
  /** Gain of this track (default 1). */
  readonly volume?: number;
  /** While this track plays, every other track is multiplied by this gain (e.g. 0.3). */
  readonly duck?: number;
  readonly name?: string;
}

export interface MixerTrack {
  readonly name: string;
  volume: number;
  /** Resolves when the track has ended (its resource finished, failed, or remove() was called). */
  readonly ended: Promise<void>;
  remove(): void;
}

interface Track extends MixerTrack {
  readonly resource: AudioResource;
  readonly duckOthers: number | null;
  decoder: OpusCodec | null;
  /** Current gain applied for ducking (ramps towards its target). */
  duckGain: number;
  done: boolean;
  finish: () => void;
}

/** Ducking ramps over this many frames (100 ms). */
const RAMP_FRAMES = 5;

export class Mixer implements AudioResource {
  readonly title: string;
  private readonly tracks: Track[] = [];
  private encoder: OpusCodec | null = null;
  private closed = false;
  private wake: (() => void) | null = null;
  /** Frames that went out without a decode/encode (a single Opus track at unit gain). */
  passthroughFrames = 0;
  mixedFrames = 0;

  constructor(private readonly options: { title?: string; endWhenEmpty?: boolean } = {}) {
    this.title = options.title ?? 'mixer';
  }

  /** Adds a track; it starts with the next 20 ms frame. */
  add(resource: AudioResource, options: MixerTrackOptions = {}): MixerTrack {
    let finish!: () => void;
    const ended = new Promise<void>((r) => (finish = r));
    const t: Track = {
      name: options.name ?? resource.title,
      volume: options.volume ?? 1,
      resource,
      duckOthers: options.duck ?? null,
      decoder: null,
      duckGain: 1,
      done: false,
      ended,
      finish,
      remove: () => this.end(t),
    };
    this.tracks.push(t);
    const w = this.wake;
    this.wake = null;
    w?.();
    return t;
  }

  get active(): readonly MixerTrack[] {
    return this.tracks.filter((t) => !t.done);
  }

  private end(t: Track): void {
    if (t.done) return;
    t.done = true;
    const i = this.tracks.indexOf(t);
    if (i >= 0) this.tracks.splice(i, 1);
    try {
      t.resource.close();
    } catch {
      // a resource failing to close does not stop the mix
    }
    t.decoder?.close();
    t.finish();
  }

  async read(): Promise<Uint8Array | null> {
    for (;;) {
      if (this.closed) return null;
      if (this.tracks.length === 0) {
        if (this.options.endWhenEmpty) return null;
        await new Promise<void>((r) => (this.wake = r)); // wait for a track (give the player stallTimeoutMs: Infinity)
        continue;
      }
      const current = [...this.tracks];
      const frames = await Promise.all(current.map((t) => t.resource.read().catch(() => null)));
      const live: { t: Track; frame: Uint8Array }[] = [];
      current.forEach((t, i) => {
        const f = frames[i];
        if (f === null || f === undefined) this.end(t);
        else live.push({ t, frame: f });
      });
      if (live.length === 0) continue;
      // ducking: the lowest duck of the other live tracks, ramped
      for (const { t } of live) {
        let target = 1;
        for (const o of live) if (o.t !== t && o.t.duckOthers !== null) target = Math.min(target, o.t.duckOthers);
        const step = 1 / RAMP_FRAMES;
        t.duckGain = t.duckGain > target ? Math.max(target, t.duckGain - step) : Math.min(target, t.duckGain + step);
      }
      const audible = live.filter(({ frame }) => !isSilenceFrame(frame));
      if (audible.length === 0) return OPUS_SILENCE_FRAME;
      if (audible.length === 1 && audible[0]!.t.volume === 1 && audible[0]!.t.duckGain === 1) {
        this.passthroughFrames++;
        return audible[0]!.frame;
      }
      const acc = new Float32Array(PCM_FRAME_BYTES / 2);
      for (const { t, frame } of audible) {
        let pcm: Uint8Array;
        try {
          pcm = (t.decoder ??= new OpusCodec()).decode(frame);
        } catch {
          continue; // an undecodable frame of one track is left out of this mix
        }
        const gain = t.volume * t.duckGain;
        const s = new Int16Array(pcm.buffer, pcm.byteOffset, Math.min(pcm.length, PCM_FRAME_BYTES) >> 1);
        for (let i = 0; i < s.length; i++) acc[i] = (acc[i] as number) + (s[i] as number) * gain;
      }
      const out = new Uint8Array(PCM_FRAME_BYTES);
      const o = new Int16Array(out.buffer);
      for (let i = 0; i < acc.length; i++) {
        const v = Math.round(acc[i] as number);
        o[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
      }
      this.mixedFrames++;
      return (this.encoder ??= new OpusCodec()).encode(out);
    }
  }

  /** Ends every track and the mix. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const t of [...this.tracks]) this.end(t);
    this.encoder?.close();
    const w = this.wake;
    this.wake = null;
    w?.();
  }
}
