#!/usr/bin/env node
/** `pnpm voice-server`: serves the local Discord voice emulator on 127.0.0.1 and prints how to use it. */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startVoiceServer } from './server.js';

const plain = process.argv.includes('--no-tls');
const server = await startVoiceServer({ tls: !plain });
const lines = [
  'voicewire local voice server',
  `  voice endpoint     ${server.endpoint}   (VOICE_SERVER_UPDATE endpoint; clients connect to ${server.tls ? 'wss' : 'ws'}://${server.endpoint}/?v=8)`,
  `  second endpoint    ${server.secondaryEndpoint}   (used for server migrations)`,
  `  UDP                127.0.0.1:${server.udpPort}`,
  `  main gateway       ${server.gatewayUrl}   (Hello, Identify → READY, heartbeats, op 4 → voice dispatches; any token)`,
];
if (server.certificate) {
  const caFile = join(tmpdir(), `voicewire-ca-${process.pid}.pem`);
  writeFileSync(caFile, server.certificate.cert);
  lines.push(`  TLS CA certificate ${caFile}`, '', 'Trust it in the bot process:', `  NODE_EXTRA_CA_CERTS=${caFile} node your-bot.js`, '(or pass its PEM as `ca` to your TLS client, e.g. createNodeTransport({ ca })).');
}
lines.push('', 'Ctrl-C stops it.');
console.log(lines.join('\n'));
const stop = async (): Promise<void> => {
  await server.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
