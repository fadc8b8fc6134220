/**
 * Issue 9 benchmark, scale and join latency: N = 100…2000 connections in one client process against the local
 * voice emulator (its own process, wss, transport encryption only), each receiving pre-encoded Opus from one
 * player at 50 packets/s for a fixed time — voicewire vs @discordjs/voice on the same emulator. Lateness and loss
 * are measured where the packets arrive (the emulator); CPU and RSS in the client process. Prints figures and
 * writes results/scale.md and results/scale.png. Never fails on a timing.
 *   BENCH_SIZES=100,500 BENCH_SECONDS=10 pnpm bench scale
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { cpus, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateLocalCertificate } from '@voicewire/voice-server';
import { nextMessage } from './harness.js';

const here = new URL('.', import.meta.url).pathname;
const tsx = join(here, '..', '..', '..', 'node_modules', '.bin', 'tsx');
const sizes = (process.env.BENCH_SIZES ?? '100,500,1000,2000').split(',').map(Number);
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const impls = ['voicewire', 'djs'] as const;

const cert = await generateLocalCertificate();
const dir = mkdtempSync(join(tmpdir(), 'voicewire-bench-'));
const caFile = join(dir, 'ca.pem');
writeFileSync(caFile, cert.cert);

function child(script: string, args: string[], env: Record<string, string>): ChildProcess {
  return spawn(tsx, [join(here, script), ...args], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: { ...process.env, ...env } });
}

const emulator = child('emulator-process.ts', [], { BENCH_CERT: JSON.stringify(cert) });
const { gatewayUrl } = await nextMessage<{ gatewayUrl: string }>(emulator, 'ready', 30_000);
const emu = async <T>(m: object, type: string): Promise<T> => {
  const p = nextMessage<T>(emulator, type, 60_000);
  emulator.send(m);
  return p;
};
interface Stats { received: number; expected: number; lost: number; p50: number; p99: number; max: number; first: Record<number, number> }

interface Row { impl: string; n: number; joinAllMs: number; idleKiB: number; cpu: number; rssKiB: number; p50: number; p99: number; max: number; lost: number; expected: number; error?: string }
const rows: Row[] = [];
const latency: Record<string, number[]> = {};

const env = { BENCH_GATEWAY_URL: gatewayUrl, BENCH_CA_FILE: caFile, NODE_EXTRA_CA_CERTS: caFile, NODE_OPTIONS: '--expose-gc' };
for (const impl of impls) {
  await emu({ type: 'reset' }, 'reset-done');
  const c = child('scale-client.ts', [impl, '20', '0', 'latency'], env);
  try {
    const l = await nextMessage<{ ssrcs: number[]; joinStarted: number[] }>(c, 'latency', 120_000);
    await new Promise((r) => setTimeout(r, 300));
    const s = await emu<{ stats: Stats }>({ type: 'stats', ssrcs: l.ssrcs }, 'stats');
    latency[impl] = l.ssrcs.map((ssrc, i) => (s.stats.first[ssrc] ?? NaN) - (l.joinStarted[i] as number)).filter((x) => Number.isFinite(x));
    c.send({ type: 'finish' });
    await nextMessage(c, 'done', 30_000);
  } catch (e) {
    console.error(`[scale] ${impl} join latency failed: ${(e as Error).message}`);
    c.kill('SIGKILL');
  }
}

for (const n of sizes) {
  for (const impl of impls) {
    await emu({ type: 'reset' }, 'reset-done');
    console.log(`[scale] ${impl}: ${n} connections…`);
    const c = child('scale-client.ts', [impl, String(n), String(seconds)], env);
    try {
      const joined = await nextMessage<{ joinAllMs: number; idleBytesPerConnection: number; ssrcs: number[] }>(c, 'joined', 300_000);
      c.send({ type: 'go' });
      const sent = await nextMessage<{ cpuPercent: number; rssPerConnection: number }>(c, 'sent', (seconds + 60) * 1000);
      await new Promise((r) => setTimeout(r, 300));
      const s = (await emu<{ stats: Stats }>({ type: 'stats', ssrcs: joined.ssrcs }, 'stats')).stats;
      c.send({ type: 'finish' });
      await nextMessage(c, 'done', 60_000).catch(() => c.kill('SIGKILL'));
      rows.push({ impl, n, joinAllMs: joined.joinAllMs, idleKiB: joined.idleBytesPerConnection / 1024, cpu: sent.cpuPercent, rssKiB: sent.rssPerConnection / 1024, p50: s.p50, p99: s.p99, max: s.max, lost: s.lost, expected: s.expected });
    } catch (e) {
      c.kill('SIGKILL');
      rows.push({ impl, n, joinAllMs: NaN, idleKiB: NaN, cpu: NaN, rssKiB: NaN, p50: NaN, p99: NaN, max: NaN, lost: NaN, expected: NaN, error: (e as Error).message });
    }
    const r = rows[rows.length - 1] as Row;
    console.log(`[scale] ${impl} N=${n}: CPU ${r.cpu.toFixed(1)} %, p99 ${r.p99.toFixed(2)} ms, lost ${r.lost}/${r.expected}${r.error ? ` (${r.error})` : ''}`);
  }
}
emulator.send({ type: 'stop' });

const med = (xs: number[]): number => (xs.length ? ([...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number) : NaN);
const f = (x: number, d = 1): string => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
const lines = [
  `## Scale: ${seconds} s of 50 packets/s per connection, one client process (${process.version}, ${cpus()[0]?.model ?? ''}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB)`,
  '',
  'voicewire: transport-node + crypto-sodium (XChaCha20), one AudioPlayer subscribed by every connection. @discordjs/voice 0.19.2: its AES-256-GCM path, one AudioPlayer subscribed by every connection. Emulator in its own process (wss, transport encryption only); lateness = arrival time at the emulator minus the ideal 20 ms grid of each stream.',
  '',
  '| library | N | CPU % (client) | RSS / conn (sending) | idle RSS / conn | p50 late | p99 late | max late | lost | join all |',
  '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...rows.map((r) => `| ${r.impl === 'djs' ? '@discordjs/voice' : 'voicewire'} | ${r.n} | ${f(r.cpu)} | ${f(r.rssKiB, 0)} KiB | ${f(r.idleKiB, 0)} KiB | ${f(r.p50, 2)} ms | ${f(r.p99, 2)} ms | ${f(r.max, 1)} ms | ${Number.isFinite(r.lost) ? `${r.lost}/${r.expected}` : r.error ?? 'n/a'} | ${f(r.joinAllMs / 1000, 1)} s |`),
  '',
  `Join → first packet at the emulator (median of ${latency.voicewire?.length ?? 0} sequential joins): voicewire ${f(med(latency.voicewire ?? []), 1)} ms, @discordjs/voice ${f(med(latency.djs ?? []), 1)} ms.`,
  '',
];
const md = lines.join('\n');
console.log(md);
mkdirSync(join(here, '..', 'results'), { recursive: true });
writeFileSync(join(here, '..', 'results', 'scale.md'), md);
writeFileSync(join(here, '..', 'results', 'scale.json'), JSON.stringify({ rows, latency }, null, 2));

// Chart: CPU % and p99 lateness per N, both libraries.
try {
  const { Resvg } = await import('@resvg/resvg-js');
  const W = 900, H = 420, pad = 60;
  const groups = sizes.length;
  const bar = (x: number, y: number, w: number, h: number, fill: string): string => `<rect x="${x}" y="${y}" width="${w}" height="${h}" fill="${fill}"/>`;
  const text = (x: number, y: number, s: string, size = 13, anchor = 'middle'): string => `<text x="${x}" y="${y}" font-family="DejaVu Sans" font-size="${size}" text-anchor="${anchor}">${s}</text>`;
  const panel = (ox: number, title: string, key: 'cpu' | 'p99', unit: string): string => {
    const pw = W / 2 - pad, ph = H - 2 * pad;
    const vals = rows.map((r) => r[key]).filter(Number.isFinite);
    const max = Math.max(1, ...vals) * 1.15;
    let out = text(ox + pw / 2, 30, title, 15);
    out += `<line x1="${ox}" y1="${pad + ph}" x2="${ox + pw}" y2="${pad + ph}" stroke="#444"/>`;
    const gw = pw / groups;
    sizes.forEach((n, g) => {
      impls.forEach((impl, k) => {
        const r = rows.find((x) => x.n === n && x.impl === impl);
        const v = r && Number.isFinite(r[key]) ? r[key] : 0;
        const h = (v / max) * ph;
        const x = ox + g * gw + gw * 0.15 + k * gw * 0.35;
        out += bar(x, pad + ph - h, gw * 0.33, h, impl === 'voicewire' ? '#2b7bb9' : '#c0504d');
        out += text(x + gw * 0.165, pad + ph - h - 4, v ? v.toFixed(key === 'cpu' ? 0 : 1) : 'n/a', 10);
      });
      out += text(ox + g * gw + gw / 2, pad + ph + 18, `N=${n}`);
    });
    out += text(ox, pad - 8, unit, 11, 'start');
    return out;
  };
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}"><rect width="100%" height="100%" fill="white"/>${panel(pad / 2, 'Client CPU % while sending', 'cpu', '% of one core')}${panel(W / 2 + pad / 2, 'p99 frame lateness at the emulator', 'p99', 'ms')}${bar(W / 2 - 120, H - 22, 12, 12, '#2b7bb9')}${text(W / 2 - 102, H - 12, 'voicewire', 12, 'start')}${bar(W / 2 - 20, H - 22, 12, 12, '#c0504d')}${text(W / 2 - 2, H - 12, '@discordjs/voice 0.19', 12, 'start')}</svg>`;
  const fontFiles = ['/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf'].filter(existsSync);
  const png = new Resvg(svg, { font: { fontFiles, loadSystemFonts: fontFiles.length === 0, defaultFontFamily: 'DejaVu Sans' } }).render().asPng();
  writeFileSync(join(here, '..', 'results', 'scale.png'), png);
  console.log('[scale] chart: apps/bench/results/scale.png');
} catch (e) {
  console.error(`[scale] chart not written: ${(e as Error).message}`);
}
process.exit(0);
