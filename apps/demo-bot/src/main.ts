// `pnpm demo`: offline against the embedded voice emulator by default; against Discord when DISCORD_TOKEN,
// GUILD_ID and CHANNEL_ID are set (optionally with a file to play as the first argument).
import { isAbsolute, resolve } from 'node:path';
import { CLIP_PATH } from './shared.js';

const argv = process.argv.slice(2).filter((a) => a !== '--');
// `--discordjs`: the same demo written against @voicewire/discordjs (the @discordjs/voice drop-in)
const discordjs = argv.includes('--discordjs');
// `listen`: a bot that listens — per-user utterances with timestamps, and the mixed recording of the call
const listenMode = argv.includes('listen');
const args = argv.filter((a) => a !== '--discordjs' && a !== 'listen');
// `npm run demo -- song.mp3` runs in the app's folder: a relative path means the folder the user ran it from
// (npm and pnpm pass it as INIT_CWD). URLs go to ffmpeg as they are.
const given = args[0];
const file = given === undefined ? CLIP_PATH : /^[a-z][a-z0-9+.-]*:\/\//i.test(given) || isAbsolute(given) ? given : resolve(process.env.INIT_CWD ?? process.cwd(), given);
const { DISCORD_TOKEN, GUILD_ID, CHANNEL_ID } = process.env;

try {
  if (listenMode) {
    const { runListenDemo } = await import('./listen.js');
    await runListenDemo({ outDir: new URL('../out/', import.meta.url).pathname });
  } else if (DISCORD_TOKEN) {
    if (!GUILD_ID || !CHANNEL_ID) throw new Error('DISCORD_TOKEN is set: also set GUILD_ID and CHANNEL_ID (the voice channel to join)');
    if (discordjs) {
      const { runDiscordjsDiscordDemo } = await import('./discordjs.js');
      await runDiscordjsDiscordDemo({ token: DISCORD_TOKEN, guildId: GUILD_ID, channelId: CHANNEL_ID, file });
    } else {
      const { runDiscordDemo } = await import('./discord.js');
      await runDiscordDemo({ token: DISCORD_TOKEN, guildId: GUILD_ID, channelId: CHANNEL_ID, file });
    }
  } else if (discordjs) {
    const { runDiscordjsOfflineDemo } = await import('./discordjs.js');
    await runDiscordjsOfflineDemo({ outDir: new URL('../out/', import.meta.url).pathname, clip: file });
  } else {
    const { runOfflineDemo } = await import('./offline.js');
    await runOfflineDemo({ outDir: new URL('../out/', import.meta.url).pathname, clip: file });
  }
  process.exitCode = 0;
} catch (e) {
  console.error(`[demo] failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
}
