/**
 * The same bot against real Discord: discord.js for the main gateway (its guild.voiceAdapterCreator is passed
 * unchanged), voicewire for voice. Needs DISCORD_TOKEN, GUILD_ID and CHANNEL_ID.
 */
import { Client, GatewayIntentBits } from 'discord.js';
import { daveProvider } from '@voicewire/crypto-dave';
import { nodeProvider } from '@voicewire/crypto-node';
import { nodeTransport } from '@voicewire/transport-node';
import { joinVoiceChannel, type DiscordGatewayAdapterCreator } from '@voicewire/voice';
import { play, progressLine, resourceFor } from './shared.js';

export interface DiscordDemoOptions {
  readonly token: string;
  readonly guildId: string;
  readonly channelId: string;
  readonly file: string;
}

export async function runDiscordDemo(o: DiscordDemoOptions): Promise<void> {
  const client = new Client({ intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildVoiceStates] });
  await client.login(o.token);
  await new Promise<void>((resolve) => client.once('ready', () => resolve()));
  const guild = await client.guilds.fetch(o.guildId);
  const connection = joinVoiceChannel({
    guildId: o.guildId,
    channelId: o.channelId,
    adapterCreator: guild.voiceAdapterCreator as unknown as DiscordGatewayAdapterCreator,
    transport: nodeTransport,
    crypto: nodeProvider,
    e2ee: daveProvider,
  });
  try {
    await connection.ready({ timeoutMs: 20_000 });
    const result = await play(connection, resourceFor(o.file), (frames) => progressLine(`[discord] sent ${frames} frames`));
    console.log(`\n[discord] done: ${result.frames} frames${result.error ? `, error: ${result.error.message}` : ''}`);
  } finally {
    connection.destroy();
    await client.destroy();
  }
}
