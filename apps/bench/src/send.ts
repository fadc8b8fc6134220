// Orchestrates the per-packet benchmark: the emulator in its own process, then send-client.ts on Node (tsx) and,
// when installed, on Bun.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateLocalCertificate } from '@voicewire/voice-server';

const here = new URL('.', import.meta.url).pathname;
const bin = (n: string) => join(here, '..', '..', '..', 'node_modules', '.bin', n);
const cert = await generateLocalCertificate();
const caFile = join(mkdtempSync(join(tmpdir(), 'voicewire-bench-')), 'ca.pem');
writeFileSync(caFile, cert.cert);
const emulator = spawn(bin('tsx'), [join(here, 'emulator-process.ts')], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: { ...process.env, BENCH_CERT: JSON.stringify(cert) } });
const ready = await new Promise<{ gatewayUrl: string; udp: string }>((resolve) => emulator.once('message', (m) => resolve(m as { gatewayUrl: string; udp: string })));
const env = { ...process.env, BENCH_GATEWAY_URL: ready.gatewayUrl, BENCH_UDP: ready.udp, BENCH_CA_FILE: caFile, NODE_EXTRA_CA_CERTS: caFile };
const run = (cmd: string, args: string[]) => new Promise<void>((resolve) => spawn(cmd, args, { stdio: 'inherit', env }).once('exit', () => resolve()));
await run(bin('tsx'), [join(here, 'send-client.ts')]);
if (existsSync(bin('bun'))) await run(bin('bun'), [join(here, 'send-client.ts')]);
emulator.send({ type: 'stop' });
