/**
 * `npm run bench heap`: what holds the JS heap of an idle connection, for both libraries. N connections join the
 * emulator (wss, DAVE on, each with a deafened DAVE peer); a heap snapshot is taken and its objects are summed by
 * constructor, less a snapshot taken before the joins, divided by N. Prints the top holders; writes results/heap.md.
 *   BENCH_HEAP_N=100 pnpm bench heap
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateLocalCertificate } from '@voicewire/voice-server';
import { nextMessage } from './harness.js';

const here = new URL('.', import.meta.url).pathname;
const root = join(here, '..', '..', '..');
const N = Number(process.env.BENCH_HEAP_N ?? 100);
const cert = await generateLocalCertificate();
const dir = mkdtempSync(join(tmpdir(), 'voicewire-heap-'));
const caFile = join(dir, 'ca.pem');
writeFileSync(caFile, cert.cert);
const env = { ...process.env, BENCH_CA_FILE: caFile, NODE_EXTRA_CA_CERTS: caFile, NODE_OPTIONS: '--expose-gc' };
const child = (script: string, args: string[], extra: Record<string, string> = {}): ChildProcess =>
  spawn(join(root, 'node_modules', '.bin', 'tsx'), [join(here, script), ...args], { cwd: root, stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: { ...env, ...extra } });
const emulator = child('emulator-process.ts', [], { BENCH_CERT: JSON.stringify(cert), BENCH_DAVE: '1' });
const { gatewayUrl } = await nextMessage<{ gatewayUrl: string }>(emulator, 'ready');
const peers = child('perf-peers.ts', [String(N)], { BENCH_GATEWAY_URL: gatewayUrl });
await nextMessage(peers, 'joined');
const results: Record<string, { name: string; bytes: number; count: number }[]> = {};
for (const lib of ['voicewire', 'djs']) {
  const c = child('perf-heap-client.ts', [lib, String(N)], { BENCH_GATEWAY_URL: gatewayUrl });
  results[lib] = (await nextMessage<{ top: { name: string; bytes: number; count: number }[] }>(c, 'heap')).top;
  c.kill('SIGKILL');
}
peers.send({ type: 'stop' });
await nextMessage(peers, 'stopped').catch(() => peers.kill('SIGKILL'));
emulator.send({ type: 'stop' });

const lines = [`## JS heap per idle connection, by constructor (N = ${N}, DAVE on, heap snapshot after − before the joins, ÷ N)`, ''];
for (const [lib, top] of Object.entries(results)) {
  lines.push(`### ${lib === 'djs' ? '@discordjs/voice 0.19.2' : 'voicewire'}`, '', '| constructor / kind | bytes per connection | objects per connection |', '|---|---:|---:|');
  for (const r of top) lines.push(`| ${r.name.replace(/\|/g, '\\|').slice(0, 60)} | ${Math.round(r.bytes)} | ${r.count.toFixed(1)} |`);
  lines.push(`| **total** | ${Math.round(top.reduce((a, r) => a + r.bytes, 0))} (top rows) | |`, '');
}
const md = lines.join('\n');
console.log(md);
mkdirSync(join(here, '..', 'results'), { recursive: true });
writeFileSync(join(here, '..', 'results', 'heap.md'), md);
process.exit(0);
