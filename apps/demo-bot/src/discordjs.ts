/**
 * The demo written against @voicewire/discordjs, the way a @discordjs/voice bot is written: joinVoiceChannel,
 * entersState, createAudioPlayer, createAudioResource (demuxProbe picks Ogg/WebM passthrough or ffmpeg), and a
 * receiver subscription that ends after silence. `npm run demo -- --discordjs` runs it against the embedded
 * emulator; with DISCORD_TOKEN, GUILD_ID and CHANNEL_ID it joins Discord with discord.js's adapter.
 */
import { createReadStream, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AudioPlayerStatus,
  createAudioPlayer,
  createAudioResource,
  demuxProbe,
  EndBehaviorType,
  entersState,
  joinVoiceChannel,
  NoSubscriberBehavior,
  VoiceConnectionStatus,
  type DiscordGatewayAdapterCreator,
  type VoiceConnection,
} from '@voicewire/discordjs';
import { muxOggOpus } from '@voicewire/audio';
import { startEmulator } from '@voicewire/discordjs/emulator';
import { CLIP_PATH } from './shared.js';

const GUILD = '1000000000000000001';
const CHANNEL = '1000000000000000002';
const SPEAKER = '1000000000000000010';
const LISTENER = '1000000000000000011';

/** The bot's reconnect handling, as the @discordjs/voice guide writes it. */
function handleDisconnects(connection: VoiceConnection, log: (s: string) => void): void {
  connection.on(VoiceConnectionStatus.Disconnected, async () => {
    try {
      await Promise.race([entersState(connection, VoiceConnectionStatus.Signalling, 5_000), entersState(connection, VoiceConnectionStatus.Connecting, 5_000)]);
    } catch {
      log('[demo:discordjs] disconnected for good; destroying the connection');
      connection.destroy();
    }
  });
}

/** Plays `file` into `connection` and resolves when the track is over. */
async function playFile(connection: VoiceConnection, file: string): Promise<{ playedMs: number }> {
  const player = createAudioPlayer({ behaviors: { noSubscriber: NoSubscriberBehavior.Pause } });
  player.on('error', (e) => console.error(`[demo:discordjs] player error: ${e.message}`));
  connection.subscribe(player);
  const probe = /^[a-z][a-z0-9+.-]*:\/\//i.test(file) ? null : await demuxProbe(createReadStream(file));
  const resource = probe ? createAudioResource(probe.stream, { inputType: probe.type }) : createAudioResource(file);
  player.play(resource);
  await entersState(player, AudioPlayerStatus.Playing, 10_000);
  await entersState(player, AudioPlayerStatus.Idle, 10 * 60_000);
  return { playedMs: resource.playbackDuration };
}

export interface DiscordjsDemoSummary {
  readonly packetsHeard: number;
  readonly playedMs: number;
  readonly recordingPath: string;
  readonly privacyCode: string | undefined;
}

export async function runDiscordjsOfflineDemo(options: { outDir: string; clip?: string; quiet?: boolean }): Promise<DiscordjsDemoSummary> {
  const log = options.quiet ? () => {} : (s: string) => console.log(s);
  // the emulator, trusted by the drop-in (its certificate is its own): the one call a test of a bot makes
  const server = await startEmulator({ heartbeatIntervalMs: 1_000 });
  log(`[demo:discordjs] local voice server at wss://${server.endpoint}`);
  const join_ = (userId: string, selfDeaf: boolean): VoiceConnection =>
    joinVoiceChannel({ guildId: GUILD, channelId: CHANNEL, adapterCreator: server.adapterCreator(userId) as unknown as DiscordGatewayAdapterCreator, group: userId, selfDeaf });
  const speaker = join_(SPEAKER, true);
  const listener = join_(LISTENER, false);
  try {
    for (const c of [speaker, listener]) handleDisconnects(c, log);
    await Promise.all([entersState(speaker, VoiceConnectionStatus.Ready, 30e3), entersState(listener, VoiceConnectionStatus.Ready, 30e3)]);
    await Promise.all([speaker.voicewire.ready({ e2ee: true, timeoutMs: 10_000 }), listener.voicewire.ready({ e2ee: true, timeoutMs: 10_000 })]);
    log(`[demo:discordjs] both bots Ready; DAVE privacy code ${speaker.voicePrivacyCode}`);

    // Record the speaker from when they start talking until 500 ms of silence.
    const heard: Buffer[] = [];
    const recorded = new Promise<void>((resolve) => {
      listener.receiver.speaking.once('start', (userId) => {
        const stream = listener.receiver.subscribe(userId, { end: { behavior: EndBehaviorType.AfterSilence, duration: 500 } });
        stream.on('data', (p: Buffer) => heard.push(p));
        stream.once('end', () => resolve());
      });
    });
    const clip = options.clip ?? CLIP_PATH;
    const { playedMs } = await playFile(speaker, clip);
    await Promise.race([recorded, new Promise((r) => setTimeout(r, 5_000))]);

    mkdirSync(options.outDir, { recursive: true });
    const recordingPath = join(options.outDir, `discordjs-listener-heard-${SPEAKER}.ogg`);
    writeFileSync(recordingPath, muxOggOpus(heard));
    log(['[demo:discordjs] summary', `  played            ${playedMs} ms of ${clip.split('/').pop()}`, `  listener heard    ${heard.length} packets`, `  recording         ${recordingPath}`].join('\n'));
    return { packetsHeard: heard.length, playedMs, recordingPath, privacyCode: speaker.voicePrivacyCode };
  } finally {
    if (speaker.state.status !== VoiceConnectionStatus.Destroyed) speaker.destroy();
    if (listener.state.status !== VoiceConnectionStatus.Destroyed) listener.destroy();
    await server.close();
  }
}

export async function runDiscordjsDiscordDemo(o: { token: string; guildId: string; channelId: string; file: string }): Promise<void> {
  const { Client, GatewayIntentBits } = await import('discord.js');
  const client = new Client({ intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildVoiceStates] });
  await client.login(o.token);
  await new Promise<void>((resolve) => client.once('ready', () => resolve()));
  const guild = await client.guilds.fetch(o.guildId);
  const connection = joinVoiceChannel({ guildId: o.guildId, channelId: o.channelId, adapterCreator: guild.voiceAdapterCreator as unknown as DiscordGatewayAdapterCreator });
  handleDisconnects(connection, console.log);
  try {
    await entersState(connection, VoiceConnectionStatus.Ready, 30e3);
    const { playedMs } = await playFile(connection, o.file);
    console.log(`[discord:discordjs] played ${playedMs} ms`);
  } finally {
    if (connection.state.status !== VoiceConnectionStatus.Destroyed) connection.destroy();
    await client.destroy();
  }
}
