/**
 * The stage every README snippet runs on (test/readme-snippets.test.ts): the local emulator started the way the
 * README tells users to (`voicewire/emulator`), a scripted member in the channel who speaks a 440 Hz tone for
 * 1 s in every 3 s, the audio files the snippets name, and the variables a snippet says it is given
 * (`<!-- snippet: given=connection,userId -->` above its code block). `done()` ends everything.
 *
 * The emulator also serves Discord's REST API and gateway, and the real discord.js talks to it: snippets written
 * for discord.com (the README's bot) reach the emulator because the stage points discord.js's default REST URL at
 * it, the way a test network would resolve discord.com to it. Snippets that show the emulator pass `rest.api`.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { AudioPlayer, createPcmResource, getVoiceConnections, joinVoiceChannel, muxOggOpus, OpusCodec, type VoiceConnection } from 'voicewire';
import { startEmulator, type Emulator } from 'voicewire/emulator';
import { sine, toneFrame } from '@voicewire/testkit';

export const GUILD_ID = '41771983423143937';
export const CHANNEL_ID = '127121515262115840';
export const OTHER_CHANNEL_ID = '127121515262115841';
/** The bot the snippets are written for (its token is its id on the emulator). */
export const BOT_ID = '1000000000000000010';
/** The scripted member who speaks. */
export const MEMBER_ID = '1000000000000000011';

export interface Givens {
  server: Emulator;
  guildId: string;
  channelId: string;
  otherChannelId: string;
  /** The member who speaks in the channel. */
  userId: string;
  otherUserId: string;
  /** discord.js's `guild.voiceAdapterCreator` for the bot, on the emulator. */
  adapterCreator: Emulator['adapterCreator'] extends (u: string, g?: string) => infer A ? A : never;
  /** The bot's connection, ready and end-to-end encrypted. */
  connection: VoiceConnection;
  /** 20 ms Opus frames (2 s of a 660 Hz tone). */
  frames: Uint8Array[];
  /** 1 s of 48 kHz stereo PCM (a 550 Hz tone), e.g. what a TTS engine returned. */
  ttsPcm: Uint8Array;
  speech: Uint8Array;
  /** Something that takes decoded audio (a speech model): counts what it gets. */
  transcriber: { write(userId: string, pcm: Uint8Array): void; chunks: number };
  speechModel: { feed(userId: string, pcm: Uint8Array, timeMs: number): void; chunks: number };
  record(frame: unknown): void;
}

let server: Emulator | null = null;
const speaker: { player: AudioPlayer | null; timer: ReturnType<typeof setTimeout> | null; connection: VoiceConnection | null } = { player: null, timer: null, connection: null };

/** Audio files the snippets name, in the working directory: made by the real ffmpeg (from npm) or muxed here. */
function makeFiles(): void {
  const ffmpeg = (createRequire(import.meta.url)('@ffmpeg-installer/ffmpeg') as { path: string }).path;
  const codec = new OpusCodec();
  const ogg = (hz: number, seconds: number): Uint8Array => muxOggOpus(Array.from({ length: seconds * 50 }, (_, n) => codec.encode(toneFrame(hz, n))));
  for (const [name, hz] of [['song.ogg', 440], ['clip.ogg', 660], ['music.ogg', 330]] as const) writeFileSync(name, ogg(hz, 3));
  for (const [name, hz] of [['talk.mp3', 880], ['song.mp3', 440], ['intro.mp3', 660]] as const) {
    const r = spawnSync(ffmpeg, ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `sine=frequency=${hz}:duration=1.5:sample_rate=48000`, '-ac', '2', '-c:a', 'libmp3lame', name]);
    if (r.status !== 0) throw new Error(`ffmpeg could not make ${name}: ${r.stderr}`);
  }
  codec.close();
  process.env.PATH = `${ffmpeg.replace(/\/ffmpeg$/, '')}:${process.env.PATH ?? ''}`;
}

/** The member who speaks: 1 s of 440 Hz, 2 s of silence (longer than any snippet's afterSilence), again, until done(). */
async function startSpeaker(s: Emulator): Promise<void> {
  const c = joinVoiceChannel({ guildId: GUILD_ID, channelId: CHANNEL_ID, userId: MEMBER_ID, adapterCreator: s.adapterCreator(MEMBER_ID), selfDeaf: false });
  speaker.connection = c;
  await c.ready({ timeoutMs: 10_000 });
  const player = new AudioPlayer();
  speaker.player = player;
  player.subscribe(c);
  const again = (): void => {
    async function* tone(): AsyncGenerator<Uint8Array> {
      for (let n = 0; n < 50; n++) yield toneFrame(440, n);
    }
    player.enqueue(createPcmResource(tone(), { title: 'member speaking' }));
  };
  player.on('idle', () => {
    speaker.timer = setTimeout(again, 2_000);
  });
  again();
}

export async function given<K extends keyof Givens>(names: readonly K[]): Promise<Pick<Givens, K>> {
  mkdirSync(process.cwd(), { recursive: true });
  makeFiles();
  server = await startEmulator({
    heartbeatIntervalMs: 1_000,
    discord: {
      bots: [{ token: BOT_ID, id: BOT_ID, username: 'snippet-bot' }],
      users: [{ id: MEMBER_ID, username: 'member' }],
      guilds: [{ id: GUILD_ID, members: [MEMBER_ID], channels: [{ id: CHANNEL_ID, kind: 'voice' }, { id: OTHER_CHANNEL_ID, kind: 'voice' }] }],
    },
  });
  // the stage's "DNS": discord.js's default REST URL (and so its gateway) is the emulator's
  const rest = createRequire(createRequire(import.meta.url).resolve('discord.js'))('@discordjs/rest') as { DefaultRestOptions: { api: string } };
  rest.DefaultRestOptions.api = server.discord?.api as string;
  process.env.DISCORD_TOKEN = BOT_ID;
  process.env.GUILD_ID = GUILD_ID;
  process.env.CHANNEL_ID = CHANNEL_ID;
  process.env.USER_ID = MEMBER_ID;
  await startSpeaker(server);
  const s = server;
  const all: Partial<Givens> = {
    server: s,
    guildId: GUILD_ID,
    channelId: CHANNEL_ID,
    otherChannelId: OTHER_CHANNEL_ID,
    userId: MEMBER_ID,
    otherUserId: MEMBER_ID,
    adapterCreator: s.adapterCreator(BOT_ID, GUILD_ID),
    ttsPcm: sine(550, 1),
    speech: sine(550, 1),
    transcriber: { chunks: 0, write() { this.chunks++; } },
    speechModel: { chunks: 0, feed() { this.chunks++; } },
    record: () => {},
  };
  if (names.includes('frames' as K)) {
    const codec = new OpusCodec();
    all.frames = Array.from({ length: 100 }, (_, n) => codec.encode(toneFrame(660, n)));
    codec.close();
  }
  if (names.includes('connection' as K)) {
    const c = joinVoiceChannel({ guildId: GUILD_ID, channelId: CHANNEL_ID, userId: BOT_ID, adapterCreator: s.adapterCreator(BOT_ID, GUILD_ID), selfDeaf: false });
    await c.ready({ e2ee: true, timeoutMs: 10_000 });
    all.connection = c;
  }
  return all as Pick<Givens, K>;
}

/** Ends the stage: the member, every connection, the emulator. The snippet's process then exits. */
export async function done(): Promise<never> {
  if (speaker.timer) clearTimeout(speaker.timer);
  speaker.player?.removeAllListeners('idle');
  speaker.player?.stop();
  for (const c of getVoiceConnections()) c.destroy();
  speaker.connection?.destroy();
  await server?.close();
  console.log('SNIPPET OK');
  process.exit(0);
}

/** The README files a snippet may read back (for recipes that write files). */
export const read = (path: string): Buffer => readFileSync(path);
