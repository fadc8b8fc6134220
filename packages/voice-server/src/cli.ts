#!/usr/bin/env node
/** `pnpm voice-server`: serves the local Discord voice emulator on 127.0.0.1 and prints how to use it. */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DiscordWorldOptions } from './discord/world.js';
import { DEFAULT_BOT_TOKEN } from './discord/world.js';
import { startVoiceServer } from './server.js';

const argv = process.argv.slice(2);
if (argv.includes('--help')) {
  console.log(
    [
      'usage: voicewire-server [--port N] [--udp-ports N] [--no-tls] [--heartbeat-ms N] [--discord [fixtures.json]] [--discord-port N]',
      '  --port N              voice endpoint and UDP on port N, the second endpoint on N+1 (default: free ports)',
      '  --udp-ports N         serve N UDP voice servers, given to sessions in turn (default 1; the first on --port)',
      '  --no-tls              plain ws instead of wss',
      '  --heartbeat-ms N      the voice gateway heartbeat interval (default 13750)',
      "  --discord [file]      also serve Discord's REST API and gateway v10 for discord.js; guilds, channels, users and",
      '                        bots from the JSON file ({ "bots": [...], "users": [...], "guilds": [...] }), else defaults',
      '  --discord-port N      port of that REST API and gateway (default: a free port)',
    ].join('\n'),
  );
  process.exit(0);
}
const value = (flag: string): number | undefined => {
  const i = argv.indexOf(flag);
  if (i < 0) return undefined;
  const n = Number(argv[i + 1]);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`${flag} takes a whole number, got ${argv[i + 1] ?? 'nothing'}`);
    process.exit(2);
  }
  return n;
};
const plain = argv.includes('--no-tls');
let discord: DiscordWorldOptions | undefined;
const di = argv.indexOf('--discord');
if (di >= 0) {
  const file = argv[di + 1];
  if (file === undefined || file.startsWith('--')) discord = {};
  else {
    try {
      discord = JSON.parse(readFileSync(file, 'utf8')) as DiscordWorldOptions;
    } catch (e) {
      console.error(`--discord ${file}: ${(e as Error).message}`);
      process.exit(2);
    }
  }
}
const discordPort = value('--discord-port');
const port = value('--port');
const heartbeatIntervalMs = value('--heartbeat-ms');
const udpPorts = value('--udp-ports');
const server = await startVoiceServer({
  tls: !plain,
  ...(port !== undefined ? { port } : {}),
  ...(heartbeatIntervalMs !== undefined ? { heartbeatIntervalMs } : {}),
  ...(udpPorts !== undefined ? { udpPorts } : {}),
  ...(discord ? { discord, ...(discordPort !== undefined ? { discordPort } : {}) } : {}),
}).catch((e: Error) => {
  console.error(`voicewire-server: ${e.message}`);
  process.exit(2);
});
let caFile: string | null = null;
const lines = [
  'voicewire local voice server',
  `  voice endpoint     ${server.endpoint}   (VOICE_SERVER_UPDATE endpoint; clients connect to ${server.tls ? 'wss' : 'ws'}://${server.endpoint}/?v=8)`,
  `  second endpoint    ${server.secondaryEndpoint}   (used for server migrations)`,
  `  UDP                ${server.udpPorts.map((p) => `127.0.0.1:${p}`).join(', ')}`,
  `  main gateway       ${server.gatewayUrl}   (Hello, Identify → READY, heartbeats, op 4 → voice dispatches; any token)`,
];
if (server.discord) {
  const d = server.discord;
  lines.push(
    `  Discord REST API   ${d.api}   (new Client({ intents, rest: { api: '${d.api}' } }))`,
    `  Discord gateway    ${d.gatewayUrl}   (v10; GET /gateway/bot gives it to the client)`,
    `  bots               ${d.world.bots.map((b) => b.id).join(', ')}${discord && !discord.bots ? `  (token: ${DEFAULT_BOT_TOKEN})` : '  (tokens from your fixtures)'}`,
    `  guilds             ${d.world.guilds.map((g) => `${g.id} (${g.channels.map((c) => `${c.id}:${c.type === 2 ? 'voice' : c.type === 13 ? 'stage' : c.type === 0 ? 'text' : 'category'}`).join(' ')})`).join(', ')}`,
  );
}
if (server.certificate) {
  caFile = join(tmpdir(), `voicewire-ca-${process.pid}.pem`);
  writeFileSync(caFile, server.certificate.cert);
  lines.push(`  TLS CA certificate ${caFile}`, '', 'Trust it in the bot process:', `  NODE_EXTRA_CA_CERTS=${caFile} node your-bot.js`, '(or pass its PEM as `ca` to your TLS client, e.g. createNodeTransport({ ca })).');
}
lines.push('', 'Ctrl-C stops it.');
console.log(lines.join('\n'));
// The CA file is ours: it goes when the emulator goes, however it stops.
process.on('exit', () => {
  if (caFile) rmSync(caFile, { force: true });
});
const stop = async (): Promise<void> => {
  await server.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
