/**
 * The offline demo: the README's bot, as written — discord.js logs in, joins voice through
 * `guild.voiceAdapterCreator` with voicewire, and plays the clip — against the embedded emulator of Discord (its
 * REST API, gateway and voice servers, wss with a generated certificate). A scripted listener in the channel
 * records what it hears; the summary says what arrived.
 */
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Events, GatewayIntentBits } from 'discord.js';
import { joinVoiceChannel } from 'voicewire';
import { startEmulator } from 'voicewire/emulator';
import { CLIP_PATH, play, progressLine, resourceFor } from './shared.js';

export interface DemoSummary {
  readonly framesSent: number;
  readonly framesReceived: number;
  readonly framesLost: number;
  readonly wsRttMs: number | null;
  readonly udpRttMs: number | null;
  readonly udpRttSource: 'keepalive' | 'discovery' | null;
  readonly recordingPath: string;
  readonly wavPath: string;
  readonly mode: string;
  readonly daveProtocolVersion: number;
  /** The DAVE voice privacy code both bots agree on ('' without DAVE). */
  readonly privacyCode: string;
  /** The bot's user as discord.js saw it after logging in to the emulator. */
  readonly botUser: string;
  /** Identifies the emulated gateway served (one: discord.js logged in once). */
  readonly gatewayIdentifies: number;
}

const GUILD = '1000000000000000001';
const CHANNEL = '1000000000000000002';
const SPEAKER = '1000000000000000010';
const LISTENER = '1000000000000000011';
const TOKEN = 'voicewire-demo-bot-token';

export async function runOfflineDemo(options: { outDir: string; clip?: string; quiet?: boolean }): Promise<DemoSummary> {
  const log = options.quiet ? () => {} : (s: string) => console.log(s);
  // the emulator serves Discord (REST, gateway, voice over wss with a certificate of its own); startEmulator()
  // makes voicewire trust that certificate
  const server = await startEmulator({
    heartbeatIntervalMs: 1_000,
    discord: {
      bots: [{ token: TOKEN, id: SPEAKER, username: 'demo-bot' }],
      users: [{ id: LISTENER, username: 'listener' }],
      guilds: [{ id: GUILD, name: 'voicewire demo', members: [LISTENER], channels: [{ id: CHANNEL, name: 'Music', kind: 'voice' }] }],
    },
  });
  const api = server.discord?.api as string;
  log(`[demo] local Discord at ${api} (gateway ${server.discord?.gatewayUrl}), voice at wss://${server.endpoint} (UDP ${server.udpPort})`);
  // the README's bot: discord.js, pointed at the emulator's REST URL instead of discord.com
  const client = new Client({ intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildVoiceStates], rest: { api } });
  let speaker: ReturnType<typeof joinVoiceChannel> | null = null;
  try {
    const loggedIn = once(client, Events.ClientReady);
    await client.login(TOKEN);
    await loggedIn;
    const guild = client.guilds.cache.get(GUILD);
    if (!guild) throw new Error('the emulator did not send the demo guild');
    log(`[demo] discord.js logged in as ${client.user?.username} to "${guild.name}"`);
    // a scripted member listens in the channel and records what it hears
    const listener = await server.addUser({ userId: LISTENER, guildId: GUILD, channelId: CHANNEL });
    speaker = joinVoiceChannel({ guildId: GUILD, channelId: CHANNEL, adapterCreator: guild.voiceAdapterCreator });
    let info = { mode: '', daveProtocolVersion: 0 };
    speaker.once('ready', (i) => (info = i));
    // ready({ e2ee: true }) waits for the DAVE group, so the clip is end-to-end encrypted from its first frame
    // (a channel without DAVE resolves at once).
    await speaker.ready({ timeoutMs: 10_000, e2ee: true });
    log(`[demo] the bot joined through guild.voiceAdapterCreator (${info.mode}, DAVE v${info.daveProtocolVersion}); the listener is there`);
    if (speaker.privacyCode) log(`[demo] DAVE group formed; voice privacy code ${speaker.privacyCode}`);
    const heard = () => listener.heard(SPEAKER);
    const received = () => heard().frames;

    const clip = options.clip ?? CLIP_PATH;
    const result = await play(speaker, resourceFor(clip), (frames) => {
      if (!options.quiet) progressLine(`[demo] playing ${clip.split('/').pop()}: sent ${frames} frames, listener received ${received()}`);
    });
    if (result.error) throw result.error;
    // let the last packets arrive (bounded: what is missing then is reported as lost)
    const until = performance.now() + 2_000;
    while (received() < result.frames && performance.now() < until) await new Promise((r) => setTimeout(r, 10));
    if (!options.quiet && process.stdout.isTTY) process.stdout.write('\n');

    const rec = heard().recording({ wav: true });
    mkdirSync(options.outDir, { recursive: true });
    const recordingPath = join(options.outDir, `listener-heard-${SPEAKER}.ogg`);
    const wavPath = join(options.outDir, `listener-heard-${SPEAKER}.wav`);
    writeFileSync(recordingPath, rec.ogg);
    if (rec.wav) writeFileSync(wavPath, rec.wav);
    const s = listener.connection.stats;
    const summary: DemoSummary = {
      framesSent: result.frames,
      framesReceived: rec.frames,
      framesLost: s.packetsLost,
      wsRttMs: speaker.stats.wsRttMs ?? s.wsRttMs,
      udpRttMs: s.udpRttMs,
      udpRttSource: s.udpRttSource,
      recordingPath,
      wavPath,
      mode: info.mode,
      daveProtocolVersion: info.daveProtocolVersion,
      privacyCode: speaker.privacyCode,
      botUser: client.user?.username ?? '',
      gatewayIdentifies: server.discord?.gateway.stats.identifies ?? 0,
    };
    const ms = (v: number | null) => (v === null ? 'n/a' : `${v.toFixed(2)} ms`);
    log(
      [
        '[demo] summary',
        `  frames sent       ${summary.framesSent} (+5 silence)`,
        `  frames received   ${summary.framesReceived} (by the scripted listener)`,
        `  frames lost       ${summary.framesLost}`,
        `  ws round trip     ${ms(summary.wsRttMs)}`,
        `  udp round trip    ${ms(summary.udpRttMs)} (${summary.udpRttSource === 'keepalive' ? 'keepalive echoes, measured all along' : 'IP discovery'})`,
        `  encryption        ${summary.mode}, DAVE protocol v${summary.daveProtocolVersion} (end-to-end)`,
        `  privacy code      ${summary.privacyCode || 'n/a'}`,
        `  DAVE frames       ${speaker.stats.daveEncryptFailures} encrypt failures, ${s.daveDecryptFailures} decrypt failures, ${s.davePassthroughFrames} passed through unencrypted`,
        `  recording         ${recordingPath}`,
        `                    ${wavPath}`,
      ].join('\n'),
    );
    return summary;
  } finally {
    speaker?.destroy();
    await client.destroy();
    await server.close();
  }
}
