// A bot written the way a @discordjs/voice user writes one — discord.js 14 logs in and hands
// `guild.voiceAdapterCreator` to joinVoiceChannel — against the local emulator of Discord (REST, gateway v10, voice
// over wss, DAVE on, real sockets). This one file runs twice: as it stands against @discordjs/voice 0.19.2
// (vitest.djs.config.ts), and with '@discordjs/voice' resolved to @voicewire/discordjs (vitest.config.ts).
// Audio is made and checked with neutral tools: the real ffmpeg from npm and @discordjs/opus.
import { spawnSync } from 'node:child_process';
import { createReadStream, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { OpusEncoder } from '@discordjs/opus';
import {
  AudioPlayerStatus,
  createAudioPlayer,
  createAudioResource,
  demuxProbe,
  EndBehaviorType,
  entersState,
  getVoiceConnection,
  joinVoiceChannel,
  NoSubscriberBehavior,
  StreamType,
  VoiceConnectionDisconnectReason,
  VoiceConnectionStatus,
  type AudioPlayer,
  type AudioResource,
  type VoiceConnection,
  type VoiceConnectionState,
} from '@discordjs/voice';
import { Client, Events, GatewayIntentBits } from 'discord.js';
import { power, sine, sleep, until } from '@voicewire/testkit';
import { startVoiceServer, type VoiceServer } from '@voicewire/voice-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const FFMPEG = (createRequire(import.meta.url)('@ffmpeg-installer/ffmpeg') as { path: string }).path;
// The bot's host has ffmpeg on PATH (both libraries look for `ffmpeg` there).
process.env.PATH = `${dirname(FFMPEG)}${delimiter}${process.env.PATH}`;

const GUILD = '41771983423143937';
const OTHER_GUILD = '41771983423143938';
const CHANNEL = '127121515262115840';
const SPEAKER = '104694319306248192';
const LISTENER = '158049329150427136';
const USERS = ['300000000000000001', '300000000000000002', '300000000000000003'];
/** Every bot of the suite is a discord.js client of its own, logged in with its own token. */
const BOTS = [SPEAKER, LISTENER, ...USERS];
const tokenOf = (id: string): string => `suite-token-${id}`;
const clients = new Map<string, Client>();

// ───────────── audio fixtures, made by ffmpeg ─────────────
const dir = mkdtempSync(join(tmpdir(), 'voicewire-bot-'));
function ffmpegFile(hz: number, seconds: number, name: string, codec: string[]): string {
  const out = join(dir, name);
  const r = spawnSync(FFMPEG, ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `sine=frequency=${hz}:duration=${seconds}:sample_rate=48000`, '-ac', '2', ...codec, out]);
  if (r.status !== 0) throw new Error(`ffmpeg: ${r.stderr}`);
  return out;
}
const OPUS = ['-c:a', 'libopus', '-b:a', '96k', '-frame_duration', '20'];
const files = {
  mp3: ffmpegFile(1000, 0.6, 'tone-1000.mp3', ['-c:a', 'libmp3lame']),
  wav: ffmpegFile(440, 0.6, 'tone-440.wav', ['-c:a', 'pcm_s16le']),
  ogg440: ffmpegFile(440, 0.6, 'tone-440.ogg', OPUS),
  ogg660: ffmpegFile(660, 0.4, 'tone-660.ogg', OPUS),
  ogg880: ffmpegFile(880, 0.4, 'tone-880.ogg', OPUS),
  long: ffmpegFile(440, 3, 'long-440.ogg', OPUS),
  webm: ffmpegFile(880, 0.6, 'tone-880.webm', OPUS),
};

// ───────────── checking what the listener heard ─────────────
const decoder = new OpusEncoder(48000, 2);
const audible = (packets: Buffer[]): Buffer[] => packets.filter((p) => p.length > 3); // not the 3-byte silence frame
const decode = (packets: Buffer[]): Buffer => Buffer.concat(audible(packets).map((p) => decoder.decode(p)));
function dominant(packets: Buffer[], candidates = [440, 550, 660, 880, 1000]): number {
  const pcm = decode(packets);
  return candidates.reduce((best, hz) => (power(pcm, hz) > power(pcm, best) ? hz : best));
}
function rms(packets: Buffer[]): number {
  const pcm = decode(packets);
  let sum = 0;
  for (let i = 0; i + 1 < pcm.length; i += 2) sum += pcm.readInt16LE(i) ** 2;
  return Math.sqrt(sum / Math.max(1, pcm.length / 2));
}

// ───────────── the bot ─────────────
let server: VoiceServer;
let speaker: VoiceConnection;
let listener: VoiceConnection;
let player: AudioPlayer;

async function login(userId: string): Promise<void> {
  const client = new Client({ intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildVoiceStates], rest: { api: server.discord?.api as string } });
  clients.set(userId, client);
  if (process.env.BOT_DEBUG) client.on(Events.Debug, (m) => console.log(`[${userId}] ${m}`));
  const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
  await client.login(tokenOf(userId));
  await ready;
}

function joinBot(userId: string, guildId = GUILD, selfDeaf = true): VoiceConnection {
  const guild = clients.get(userId)?.guilds.cache.get(guildId);
  if (!guild) throw new Error(`bot ${userId} has no guild ${guildId}`);
  return joinVoiceChannel({ guildId, channelId: CHANNEL, adapterCreator: guild.voiceAdapterCreator, group: userId, selfDeaf, debug: !!process.env.BOT_DEBUG });
}

/** Packets the emulator has relayed from the speaker (to the one listener that is not deafened). */
let relayedFromSpeaker = 0;

/**
 * What the listener receives from the speaker while `fn` runs (a Manual subscription, ended afterwards): once `fn`
 * is done, it waits for every packet the emulator relayed meanwhile to arrive, then closes the stream.
 */
async function heard(fn: (packets: Buffer[]) => Promise<void>): Promise<Buffer[]> {
  const stream = listener.receiver.subscribe(SPEAKER, { end: { behavior: EndBehaviorType.Manual } });
  const packets: Buffer[] = [];
  const base = relayedFromSpeaker;
  stream.on('data', (p: Buffer) => packets.push(p));
  await fn(packets);
  const relayed = relayedFromSpeaker - base;
  await until(() => packets.length >= relayed, 5_000, `the ${relayed} packets relayed from the speaker to reach the listener (got ${packets.length})`);
  const closed = new Promise((r) => stream.once('close', r));
  stream.destroy();
  await closed;
  return packets;
}

async function playToEnd(resource: AudioResource): Promise<void> {
  player.play(resource);
  await entersState(player, AudioPlayerStatus.Playing, 5_000);
  await entersState(player, AudioPlayerStatus.Idle, 15_000);
}

beforeAll(async () => {
  const certificate = JSON.parse(readFileSync(process.env.VOICEWIRE_TEST_CERTIFICATE as string, 'utf8'));
  server = await startVoiceServer({
    certificate,
    heartbeatIntervalMs: 1_000,
    onRelay: (from) => void (from === SPEAKER && relayedFromSpeaker++),
    discord: { bots: BOTS.map((id) => ({ token: tokenOf(id), id })), guilds: [GUILD, OTHER_GUILD].map((id) => ({ id, channels: [{ id: CHANNEL, kind: 'voice' as const }] })) },
  });
  await Promise.all(BOTS.map(login));
  speaker = joinBot(SPEAKER);
  listener = joinBot(LISTENER, GUILD, false);
  await Promise.all([entersState(speaker, VoiceConnectionStatus.Ready, 30e3), entersState(listener, VoiceConnectionStatus.Ready, 30e3)]);
  player = createAudioPlayer({ behaviors: { noSubscriber: NoSubscriberBehavior.Pause } });
  player.on('error', (e) => console.error('player error', e));
  speaker.subscribe(player);
  // the DAVE group settled: both members show the same privacy code (the same epoch, so the same keys)
  await until(() => !!speaker.voicePrivacyCode && speaker.voicePrivacyCode === listener.voicePrivacyCode, 10_000, 'speaker and listener in one DAVE epoch');
});

afterAll(async () => {
  player?.stop(true);
  for (const c of [speaker, listener]) if (c && c.state.status !== VoiceConnectionStatus.Destroyed) c.destroy();
  for (const c of clients.values()) await c.destroy();
  await server?.close();
});

describe('a bot joins, plays, listens and reconnects (emulator, wss, DAVE)', () => {
  it('joins with entersState(connection, Ready, 30e3); the registry and joinConfig are what the bot asked for', () => {
    expect(speaker.state.status).toBe(VoiceConnectionStatus.Ready);
    expect(getVoiceConnection(GUILD, SPEAKER)).toBe(speaker);
    expect(getVoiceConnection(GUILD)).toBeUndefined();
    expect(speaker.joinConfig).toMatchObject({ guildId: GUILD, channelId: CHANNEL, group: SPEAKER, selfDeaf: true, selfMute: false });
    expect(listener.joinConfig.selfDeaf).toBe(false);
  });

  const cases: { name: string; hz: number; make: () => AudioResource | Promise<AudioResource> }[] = [
    { name: 'a file path (MP3) through ffmpeg', hz: 1000, make: () => createAudioResource(files.mp3) },
    { name: 'StreamType.Arbitrary from a Readable (WAV)', hz: 440, make: () => createAudioResource(createReadStream(files.wav), { inputType: StreamType.Arbitrary }) },
    { name: 'StreamType.Raw (48 kHz stereo s16le PCM)', hz: 660, make: () => createAudioResource(Readable.from([Buffer.from(sine(660, 0.6))]), { inputType: StreamType.Raw }) },
    { name: 'StreamType.OggOpus', hz: 440, make: () => createAudioResource(createReadStream(files.ogg440), { inputType: StreamType.OggOpus }) },
    { name: 'StreamType.WebmOpus', hz: 880, make: () => createAudioResource(createReadStream(files.webm), { inputType: StreamType.WebmOpus }) },
    {
      name: 'StreamType.Opus (an object-mode stream of packets)',
      hz: 550,
      make: () => {
        const enc = new OpusEncoder(48000, 2);
        const pcm = Buffer.from(sine(550, 0.6));
        const packets: Buffer[] = [];
        for (let o = 0; o + 3840 <= pcm.length; o += 3840) packets.push(enc.encode(pcm.subarray(o, o + 3840)));
        return createAudioResource(Readable.from(packets, { objectMode: true }), { inputType: StreamType.Opus });
      },
    },
    {
      name: 'demuxProbe on a WebM stream, then its type',
      hz: 880,
      make: async () => {
        const { stream, type } = await demuxProbe(createReadStream(files.webm));
        expect(type).toBe(StreamType.WebmOpus);
        return createAudioResource(stream, { inputType: type });
      },
    },
  ];
  for (const c of cases) {
    it(`plays ${c.name}: the listener hears ${c.hz} Hz`, async () => {
      const resource = await c.make();
      const packets = await heard(() => playToEnd(resource));
      expect(audible(packets).length).toBeGreaterThanOrEqual(20);
      expect(dominant(packets)).toBe(c.hz);
      expect(resource.ended).toBe(true);
      expect(resource.playbackDuration).toBeGreaterThanOrEqual(500);
    });
  }

  it('demuxProbe tells Ogg Opus and an MP3 apart', async () => {
    expect((await demuxProbe(createReadStream(files.ogg440))).type).toBe(StreamType.OggOpus);
    const mp3 = await demuxProbe(createReadStream(files.mp3));
    expect(mp3.type).toBe(StreamType.Arbitrary);
    mp3.stream.destroy();
  });

  it('pause() stops the audio, unpause() resumes it, stop() ends the track', async () => {
    const packets = await heard(async (got) => {
      player.play(createAudioResource(createReadStream(files.long), { inputType: StreamType.OggOpus }));
      await entersState(player, AudioPlayerStatus.Playing, 5_000);
      await until(() => audible(got).length > 5, 5_000, 'the track to be heard');
    });
    expect(audible(packets).length).toBeGreaterThan(5);
    const paused = await heard(async () => {
      expect(player.pause()).toBe(true);
      expect(player.state.status).toBe(AudioPlayerStatus.Paused);
      await sleep(300); // time is the subject: nothing but the tail of what was in flight may be heard while paused
    });
    const resumed = await heard(async (got) => {
      expect(player.unpause()).toBe(true);
      expect(player.state.status).toBe(AudioPlayerStatus.Playing);
      await until(() => audible(got).length >= 15, 5_000, 'the track to be heard again');
    });
    expect(audible(paused).length).toBeLessThanOrEqual(8);
    expect(audible(resumed).length).toBeGreaterThanOrEqual(15);
    expect(player.stop(true)).toBe(true);
    expect(player.state.status).toBe(AudioPlayerStatus.Idle);
  });

  it('inline volume: the same track at resource.volume.setVolume(0.25) is heard at about a quarter of the level', async () => {
    const full = await heard(() => playToEnd(createAudioResource(createReadStream(files.ogg440), { inputType: StreamType.OggOpus, inlineVolume: true })));
    const quiet = createAudioResource(createReadStream(files.ogg440), { inputType: StreamType.OggOpus, inlineVolume: true });
    quiet.volume?.setVolume(0.25);
    const low = await heard(() => playToEnd(quiet));
    const ratio = rms(low) / rms(full);
    expect(ratio).toBeGreaterThan(0.15);
    expect(ratio).toBeLessThan(0.35);
  });

  it('queues the next track on Idle: three tracks play in order, with their metadata', async () => {
    const queue = [
      { title: 'two', file: files.ogg660 },
      { title: 'three', file: files.ogg880 },
    ];
    const titles: string[] = [];
    const onIdle = (): void => {
      const next = queue.shift();
      if (next) player.play(createAudioResource(createReadStream(next.file), { inputType: StreamType.OggOpus, metadata: { title: next.title } }));
    };
    const onChange = (_old: unknown, state: { status: AudioPlayerStatus; resource?: AudioResource<{ title: string }> }): void => {
      if (state.status === AudioPlayerStatus.Playing && state.resource && titles.at(-1) !== state.resource.metadata.title) titles.push(state.resource.metadata.title);
    };
    player.on(AudioPlayerStatus.Idle, onIdle);
    player.on('stateChange', onChange as never);
    const packets = await heard(async () => {
      player.play(createAudioResource(createReadStream(files.ogg440), { inputType: StreamType.OggOpus, metadata: { title: 'one' } }));
      await until(() => queue.length === 0 && player.state.status === AudioPlayerStatus.Idle, 10_000, 'the three tracks to play');
    });
    player.off(AudioPlayerStatus.Idle, onIdle);
    player.off('stateChange', onChange as never);
    expect(titles).toEqual(['one', 'two', 'three']);
    const a = audible(packets);
    const order = [dominant(a.slice(5, 20)), dominant(a.slice(-30, -22)), dominant(a.slice(-10))];
    expect(order).toEqual([440, 660, 880]);
  });

  it('records a speaking user with EndBehaviorType.AfterSilence: the stream ends after they stop', async () => {
    // the speaker of the previous test has stopped (the receiver's speaking map ends a user 100 ms after their last packet)
    await until(() => !listener.receiver.speaking.users.has(SPEAKER), 5_000, 'the speaker to stop speaking');
    const recorded = new Promise<{ packets: Buffer[]; userId: string }>((resolve) => {
      listener.receiver.speaking.once('start', (userId: string) => {
        const packets: Buffer[] = [];
        const stream = listener.receiver.subscribe(userId, { end: { behavior: EndBehaviorType.AfterSilence, duration: 300 } });
        stream.on('data', (p: Buffer) => packets.push(p));
        stream.once('end', () => resolve({ packets, userId }));
      });
    });
    await playToEnd(createAudioResource(createReadStream(files.ogg440), { inputType: StreamType.OggOpus }));
    let result: { packets: Buffer[]; userId: string } | null = null;
    void recorded.then((r) => (result = r));
    await until(() => result !== null, 5_000, 'the AfterSilence stream to end');
    const { packets, userId } = result as unknown as { packets: Buffer[]; userId: string };
    expect(userId).toBe(SPEAKER);
    expect(audible(packets).length).toBeGreaterThanOrEqual(20);
    expect(dominant(packets)).toBe(440);
    expect(listener.receiver.subscriptions.has(SPEAKER)).toBe(false);
  });

  it('handles Disconnected the documented way: a 4014 close with no new server ends in destroy()', async () => {
    const USER = USERS[0] as string;
    const c = joinBot(USER);
    await entersState(c, VoiceConnectionStatus.Ready, 30e3);
    let disconnected: VoiceConnectionState | null = null;
    c.on(VoiceConnectionStatus.Disconnected, async (_old, state) => {
      disconnected = state;
      try {
        await Promise.race([entersState(c, VoiceConnectionStatus.Signalling, 1_000), entersState(c, VoiceConnectionStatus.Connecting, 1_000)]);
      } catch {
        c.destroy();
      }
    });
    server.closeSocket(USER, 4014);
    await entersState(c, VoiceConnectionStatus.Destroyed, 10e3);
    expect(disconnected).toMatchObject({ status: VoiceConnectionStatus.Disconnected, reason: VoiceConnectionDisconnectReason.WebSocketClose, closeCode: 4014 });
    expect(getVoiceConnection(GUILD, USER)).toBeUndefined();
  });

  it('the voice server moves (a new VOICE_SERVER_UPDATE): the connection comes back to Ready by itself', async () => {
    const USER = USERS[1] as string;
    const c = joinBot(USER, OTHER_GUILD);
    await entersState(c, VoiceConnectionStatus.Ready, 30e3);
    const seen: VoiceConnectionStatus[] = [];
    c.on("stateChange", (_o, n) => seen.push(n.status));
    c.on("debug", (m) => process.env.BOT_DEBUG && console.log(m));
    c.on(VoiceConnectionStatus.Disconnected, async () => {
      try {
        await Promise.race([entersState(c, VoiceConnectionStatus.Signalling, 5_000), entersState(c, VoiceConnectionStatus.Connecting, 5_000)]);
      } catch {
        c.destroy();
      }
    });
    server.migrate(OTHER_GUILD);
    await until(() => seen.includes(VoiceConnectionStatus.Connecting), 5_000, 'the connection to reconnect to the new server');
    await entersState(c, VoiceConnectionStatus.Ready, 10e3);
    expect(seen).toContain(VoiceConnectionStatus.Connecting);
    expect(seen.at(-1)).toBe(VoiceConnectionStatus.Ready);
    c.destroy();
    expect(c.state.status).toBe(VoiceConnectionStatus.Destroyed);
  });

  it('destroy() unsubscribes the player and removes the connection from the registry', async () => {
    const USER = USERS[2] as string;
    const c = joinBot(USER);
    await entersState(c, VoiceConnectionStatus.Ready, 30e3);
    const p = createAudioPlayer();
    const sub = c.subscribe(p);
    expect(sub?.connection).toBe(c);
    const unsubscribed = new Promise((r) => p.once('unsubscribe', r));
    c.destroy();
    await unsubscribed;
    expect(c.state.status).toBe(VoiceConnectionStatus.Destroyed);
    expect(getVoiceConnection(GUILD, USER)).toBeUndefined();
  });
});
