// discord.js 14 itself, unchanged, against the emulator's REST API and gateway (v10): a bot logs in with only
// `rest.api` pointed at the emulator, joins voice through `guild.voiceAdapterCreator` with voicewire, and plays to
// a listener in the same DAVE group; shards see only their guilds and take their voice with them; a dropped
// gateway resumes under a call that keeps playing.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { Client, Events, GatewayIntentBits, ShardingManager, type Guild, type VoiceBasedChannel } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { joinVoiceChannel, type VoiceConnection } from 'voicewire';
import { startEmulator, type Emulator } from 'voicewire/emulator';
import { shardOf } from '@voicewire/voice-server';
import { OpusCodec } from '@voicewire/audio';
import { power } from '@voicewire/testkit';
import { collect, frame, until } from './e2e-helpers.js';

const TOKEN = 'e2e-bot-token-0001';
const BOT = '1400000000000000001';
const LISTENER = '1400000000000000002';
const SPEAKER = '1400000000000000003';
const FFMPEG = (createRequire(import.meta.url)('@ffmpeg-installer/ffmpeg') as { path: string }).path;
/** One second of a 660 Hz tone as Ogg Opus, made with the real ffmpeg. */
function toneOgg(): string {
  const out = joinPath(mkdtempSync(joinPath(tmpdir(), 'voicewire-djs-')), 'tone.ogg');
  const r = spawnSync(FFMPEG, ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'sine=frequency=660:duration=1:sample_rate=48000', '-ac', '2', '-c:a', 'libopus', '-frame_duration', '20', out]);
  if (r.status !== 0) throw new Error(`ffmpeg: ${r.stderr}`);
  return out;
}
// consecutive multiples of 2^22 apart: the guilds alternate between shard 0 and shard 1 of 2
const GUILDS = [0n, 1n, 2n, 3n].map((k) => String(1100000000000000100n + k * 4194304n));
const voiceChannelOf = (guildId: string): string => String(BigInt(guildId) + 1n);

let server: Emulator | null = null;
const clients: Client[] = [];
const conns: VoiceConnection[] = [];
afterEach(async () => {
  for (const c of conns.splice(0)) c.destroy();
  for (const c of clients.splice(0)) await c.destroy();
  await server?.close();
  server = null;
});

async function start(): Promise<Emulator> {
  server = await startEmulator({ heartbeatIntervalMs: 1_000, discord: { bots: [{ token: TOKEN, id: BOT, username: 'music' }], users: [{ id: LISTENER, username: 'listener' }, { id: SPEAKER, username: 'speaker' }], guilds: GUILDS.map((id) => ({ id, members: [LISTENER, SPEAKER] })) } });
  return server;
}

/** A discord.js client as a bot writes it; the emulator's REST URL is the only change. */
async function login(s: Emulator, shard?: { id: number; count: number }): Promise<Client> {
  const client = new Client({
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildVoiceStates],
    rest: { api: s.discord?.api as string },
    ...(shard ? { shards: [shard.id], shardCount: shard.count } : {}),
  });
  clients.push(client);
  const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
  await client.login(TOKEN);
  await ready;
  return client;
}

/** The listener, a member of the guild, in the guild's voice channel (an in-process client of the emulator). */
function listen(s: Emulator, guildId: string): { conn: VoiceConnection; heard: number[] } {
  const conn = joinVoiceChannel({ guildId, channelId: voiceChannelOf(guildId), userId: LISTENER, adapterCreator: s.adapterCreator(LISTENER, guildId) });
  conns.push(conn);
  return { conn, heard: collect(conn, BOT) };
}

/** The bot's code: join the guild's voice channel through discord.js's adapter. */
function botJoins(guild: Guild): VoiceConnection {
  const channel = guild.channels.cache.get(voiceChannelOf(guild.id)) as VoiceBasedChannel;
  const conn = joinVoiceChannel({ guildId: guild.id, channelId: channel.id, adapterCreator: guild.voiceAdapterCreator });
  conns.push(conn);
  return conn;
}

/** Sends `count` numbered frames at 20 ms through the paced writer. */
async function play(conn: VoiceConnection, from: number, count: number): Promise<void> {
  const writer = conn.createOpusWriter().getWriter();
  for (let n = from; n < from + count; n++) await writer.write(frame(n));
  await writer.close();
}

describe('discord.js against the emulator', { timeout: 30_000 }, () => {
  it('a discord.js bot logs in unchanged, sees the guild, joins voice and plays to a listener, end-to-end encrypted', async () => {
    const s = await start();
    const client = await login(s);
    expect(client.user?.id).toBe(BOT);
    expect([...client.guilds.cache.keys()].sort()).toEqual([...GUILDS].sort());
    const guild = client.guilds.cache.get(GUILDS[0] as string) as Guild;
    expect(guild.channels.cache.map((c) => c.type).sort((x, y) => x - y)).toEqual([0, 2, 13]);
    expect(guild.members.cache.get(LISTENER)?.user.username).toBe('listener');

    // the listener joins: the bot sees it in voiceStateUpdate and in the channel's members
    const states: [string, string | null][] = [];
    client.on(Events.VoiceStateUpdate, (_old, now) => states.push([now.id, now.channelId]));
    const { conn: listener, heard } = listen(s, guild.id);
    await until(() => states.some(([id, ch]) => id === LISTENER && ch === voiceChannelOf(guild.id)), 5_000, 'the listener in voiceStateUpdate');
    const bot = botJoins(guild);
    await Promise.all([bot.ready({ e2ee: true, timeoutMs: 10_000 }), listener.ready({ e2ee: true, timeoutMs: 10_000 })]);
    expect(bot.privacyCode).toBe(listener.privacyCode);
    expect(bot.privacyCode).toMatch(/^\d{30}$/);
    const channel = guild.channels.cache.get(voiceChannelOf(guild.id)) as VoiceBasedChannel;
    await until(() => channel.members.has(BOT) && channel.members.has(LISTENER), 5_000, 'both in the channel as discord.js sees it');

    await play(bot, 0, 50);
    await until(() => heard.length >= 48, 5_000, 'the listener to hear the bot');
    expect(heard.slice(0, 10)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(s.discord?.gateway.stats.closedForInput).toBe(0);
  });

  it('scripted users: one speaks a file the bot hears, one listens and records what the bot plays', async () => {
    const s = await start();
    const client = await login(s);
    const guild = client.guilds.cache.get(GUILDS[0] as string) as Guild;
    const channelId = voiceChannelOf(guild.id);
    const joined: string[] = [];
    client.on(Events.VoiceStateUpdate, (_o, n) => n.channelId === channelId && joined.push(n.id));
    const bot = botJoins(guild);
    await bot.ready({ timeoutMs: 10_000 }); // alone in the channel: the DAVE group forms when the listener joins
    const codec = new OpusCodec();
    const tones: number[] = [];
    bot.on('audio', (f) => {
      if (f.userId !== SPEAKER || f.opus.length <= 3) return;
      const pcm = codec.decode(f.opus);
      tones.push([440, 660, 880].reduce((best, hz) => (power(pcm, hz) > power(pcm, best) ? hz : best)));
    });
    const listener = await s.addUser({ userId: LISTENER, guildId: guild.id, channelId });
    expect(bot.privacyCode).toBe(listener.connection.privacyCode);
    const speaker = await s.addUser({ userId: SPEAKER, guildId: guild.id, channelId, speak: toneOgg() });
    expect(joined).toEqual(expect.arrayContaining([LISTENER, SPEAKER]));
    const spoken = (await speaker.speech)?.frames ?? 0;
    expect(spoken).toBeGreaterThanOrEqual(50); // one second, plus the encoder's lookahead frame
    expect(spoken).toBeLessThanOrEqual(52);
    await until(() => tones.length >= 45, 5_000, 'the bot to hear the scripted speaker');
    expect(tones.filter((t) => t === 660).length).toBeGreaterThanOrEqual(40);
    // the listener heard the speaker too, and now the bot
    await play(bot, 0, 50);
    await until(() => listener.heard(BOT).frames >= 48, 5_000, 'the scripted listener to hear the bot');
    const rec = listener.heard(BOT).recording();
    expect(new TextDecoder().decode(rec.ogg.subarray(0, 4))).toBe('OggS');
    expect(rec.frames).toBeGreaterThanOrEqual(48);
    expect(listener.heardFrom.sort()).toEqual([BOT, SPEAKER].sort());
    speaker.leave();
    await until(() => !(guild.channels.cache.get(channelId) as VoiceBasedChannel).members.has(SPEAKER), 5_000, 'the bot to see the speaker leave');
  });

  it('two shards: each sees and joins only its guilds, every guild is heard; a shard destroyed and logged in again gets its guilds back', async () => {
    const s = await start();
    const shards = [await login(s, { id: 0, count: 2 }), await login(s, { id: 1, count: 2 })];
    for (const [i, c] of shards.entries()) expect([...c.guilds.cache.keys()].sort()).toEqual(GUILDS.filter((g) => shardOf(g, 2) === i).sort());
    const listeners = new Map(GUILDS.map((g) => [g, listen(s, g)]));
    const bots = GUILDS.map((g) => botJoins((shards[shardOf(g, 2)] as Client).guilds.cache.get(g) as Guild));
    await Promise.all([...bots, ...[...listeners.values()].map((l) => l.conn)].map((c) => c.ready({ e2ee: true, timeoutMs: 15_000 })));
    await Promise.all(bots.map((b) => play(b, 0, 25)));
    for (const [g, l] of listeners) await until(() => l.heard.length >= 23, 5_000, `the listener in guild ${g}`);

    // shard 1 goes away (its voice connections with it) and comes back
    const gone = GUILDS.filter((g) => shardOf(g, 2) === 1);
    for (const [i, g] of GUILDS.entries()) if (gone.includes(g)) bots[i]?.destroy();
    await (shards[1] as Client).destroy();
    const back = await login(s, { id: 1, count: 2 });
    expect([...back.guilds.cache.keys()].sort()).toEqual([...gone].sort());
    for (const g of gone) {
      const l = listeners.get(g) as { heard: number[] };
      l.heard.length = 0;
      const bot = botJoins(back.guilds.cache.get(g) as Guild);
      await bot.ready({ e2ee: true, timeoutMs: 15_000 });
      await play(bot, 100, 25);
      await until(() => l.heard.filter((n) => n >= 100).length >= 23, 5_000, `guild ${g} heard again after the shard came back`);
    }
  });

  it('ShardingManager: two shard processes share four guilds, every guild is heard; a shard killed and respawned brings its guilds back', { timeout: 90_000 }, async () => {
    const s = await start();
    const listeners = new Map(await Promise.all(GUILDS.map(async (g) => [g, await s.addUser({ userId: LISTENER, guildId: g, channelId: voiceChannelOf(g) })] as const)));
    process.env.EMULATOR_API = s.discord?.api;
    process.env.EMULATOR_CA = s.ca ?? '';
    const manager = new ShardingManager(new URL('./fixtures/shard-bot.ts', import.meta.url).pathname, { token: TOKEN, totalShards: 2, respawn: false, execArgv: ['--import', 'tsx'] });
    const played: { played: string; shard: number }[] = [];
    manager.on('shardCreate', (shard) => shard.on('message', (m: { played: string; shard: number }) => played.push(m)));
    try {
      await manager.spawn({ amount: 2, delay: 0, timeout: 60_000 });
      for (const [g, l] of listeners) await until(() => l.heard(BOT).frames >= 23, 30_000, `the listener in guild ${g} to hear its shard`);
      await until(() => played.length === GUILDS.length, 10_000, 'every shard to report its guilds played');
      expect(played.map((p) => [p.played, p.shard]).sort()).toEqual(GUILDS.map((g) => [g, shardOf(g, 2)]).sort());

      // shard 1's process is killed and spawned again: its guilds are joined and heard again
      const again = GUILDS.filter((g) => shardOf(g, 2) === 1);
      const before = new Map(again.map((g) => [g, listeners.get(g)?.heard(BOT).frames ?? 0]));
      await manager.shards.get(1)?.respawn({ delay: 0, timeout: 60_000 });
      for (const g of again) await until(() => (listeners.get(g)?.heard(BOT).frames ?? 0) >= (before.get(g) ?? 0) + 23, 30_000, `guild ${g} heard again after its shard respawned`);
      await until(() => played.filter((p) => p.shard === 1).length === again.length * 2, 10_000, 'the respawned shard to report its guilds played');
    } finally {
      for (const shard of manager.shards.values()) shard.kill();
      delete process.env.EMULATOR_API;
      delete process.env.EMULATOR_CA;
    }
  });

  it('a dropped gateway connection resumes (RESUMED) and the call carries on playing', async () => {
    const s = await start();
    const client = await login(s);
    const guild = client.guilds.cache.get(GUILDS[0] as string) as Guild;
    const { conn: listener, heard } = listen(s, guild.id);
    const bot = botJoins(guild);
    await Promise.all([bot.ready({ e2ee: true, timeoutMs: 10_000 }), listener.ready({ e2ee: true, timeoutMs: 10_000 })]);
    const resumed = new Promise<void>((resolve) => client.once(Events.ShardResume, () => resolve()));
    const playing = play(bot, 0, 100);
    await until(() => heard.length >= 10, 5_000, 'audio before the drop');
    s.discord?.gateway.drop(BOT);
    await resumed;
    await playing;
    await until(() => heard.length >= 95, 5_000, 'audio through the resume');
    expect(s.discord?.gateway.stats.resumes).toBe(1);
    expect(bot.state).toBe('ready');
  });
});
