/**
 * Scripted users of the emulator: members who join a voice channel (with DAVE, as any client of it) and speak a
 * source or listen to the channel, so that a bot under test has someone to talk to and someone who can say what
 * it heard. Bots see them as members with voice states (VOICE_STATE_UPDATE, `voiceStateUpdate` in discord.js).
 */
import { AudioPlayer, createOggOpusFileResource, UserRecorder, type AudioResource, type RecordingResult } from '@voicewire/audio';
import type { ReceivedFrame, VoiceConnection } from '@voicewire/voice';

export interface ScriptedUserOptions {
  /** The user's id (a snowflake); list it in the fixtures' `users` and the guild's `members` to have a name. */
  readonly userId: string;
  readonly guildId: string;
  readonly channelId: string;
  /** Start speaking once joined: an Ogg Opus file path, or any resource (`createPcmResource` for PCM). */
  readonly speak?: string | AudioResource;
  readonly selfMute?: boolean;
}

/** What a scripted user heard from one member. */
export interface Heard {
  /** Audible frames received (silence frames left out). */
  readonly frames: number;
  /** Ogg Opus of what was received, gaps filled with silence (and WAV when asked for). */
  recording(options?: { wav?: boolean }): RecordingResult;
}

/** At most this many frames are kept per speaker (an hour of audio); later ones are counted, not kept. */
const MAX_FRAMES = 180_000;

type Join = (o: { guildId: string; channelId: string; userId: string; adapterCreator: unknown; selfMute?: boolean; selfDeaf?: boolean }) => VoiceConnection;

export class ScriptedUser {
  readonly userId: string;
  readonly connection: VoiceConnection;
  private readonly frames = new Map<string, { opus: Uint8Array; timestamp: number }[]>();
  private readonly counts = new Map<string, number>();
  private player: AudioPlayer | null = null;
  private lastSpeech: Promise<{ frames: number }> | null = null;
  private readonly pending: { resolve: (r: { frames: number }) => void; reject: (e: Error) => void }[] = [];

  /** @internal Use `emulator.addUser()`. `othersPresent`: whether other members were in the channel when it joined. */
  constructor(join: Join, adapterCreator: unknown, private readonly options: ScriptedUserOptions, private readonly othersPresent: boolean) {
    this.userId = options.userId;
    this.connection = join({ guildId: options.guildId, channelId: options.channelId, userId: options.userId, adapterCreator, selfMute: options.selfMute ?? false, selfDeaf: false });
    this.connection.on('audio', (f: ReceivedFrame) => this.hear(f));
  }

  /**
   * Resolves once joined; when others were already in the channel, once in their DAVE group too (so what it
   * speaks is end-to-end encrypted from the first frame). Alone, it is ready at once: a group forms when someone joins.
   */
  async ready(timeoutMs = 10_000): Promise<void> {
    await this.connection.ready({ e2ee: this.othersPresent, timeoutMs });
    if (this.options.speak !== undefined && this.lastSpeech === null) this.speak(this.options.speak).catch(() => {}); // the outcome is `speech`
  }

  /**
   * Speaks `source` (an Ogg Opus path or a resource), after what it was already given; resolves with the frames
   * sent when it has played out, rejects when it fails.
   */
  speak(source: string | AudioResource): Promise<{ frames: number }> {
    const resource = typeof source === 'string' ? createOggOpusFileResource(source) : source;
    if (this.player === null) {
      const player = new AudioPlayer();
      player.subscribe(this.connection);
      // tracks end in the order they were enqueued
      player.on('end', (e) => {
        const p = this.pending.shift();
        if (!p) return;
        if (e.error) p.reject(e.error);
        else p.resolve({ frames: e.frames });
      });
      this.player = player;
    }
    const done = new Promise<{ frames: number }>((resolve, reject) => this.pending.push({ resolve, reject }));
    this.lastSpeech = done;
    this.player.enqueue(resource);
    return done;
  }

  /** The latest speak() (or the `speak` option's): resolves when it has played out. Null before any. */
  get speech(): Promise<{ frames: number }> | null {
    return this.lastSpeech;
  }

  /** The members this user has heard, by id. */
  get heardFrom(): string[] {
    return [...this.counts.keys()];
  }

  /** What this user heard from `userId` so far. */
  heard(userId: string): Heard {
    const frames = this.frames.get(userId) ?? [];
    return {
      frames: this.counts.get(userId) ?? 0,
      recording: (options = {}) => {
        const rec = new UserRecorder(options);
        for (const f of frames) rec.push(f);
        return rec.finish();
      },
    };
  }

  /** Leaves the channel and releases the connection (and the player, if it spoke). */
  leave(): void {
    this.player?.stop();
    this.connection.destroy();
    for (const p of this.pending.splice(0)) p.reject(new Error(`scripted user ${this.userId} left before it finished speaking`));
  }

  private hear(f: ReceivedFrame): void {
    if (f.opus.length <= 3) return; // a silence frame
    this.counts.set(f.userId, (this.counts.get(f.userId) ?? 0) + 1);
    let list = this.frames.get(f.userId);
    if (!list) this.frames.set(f.userId, (list = []));
    if (list.length < MAX_FRAMES) list.push({ opus: f.opus.slice(), timestamp: f.timestamp });
  }
}
