/**
 * `npm run bench perf` (issue 16): the workloads bots run, with DAVE on, against the floor of the same run.
 *   floor      N bare connected UDP sockets, one shared 20 ms clock, a DAVE frame encryption (each socket its own
 *              DAVE session, as each connection has its own MLS group) and the fastest transport seal per packet — what no client can avoid (perf-floor.ts)
 *   broadcast  one player, every connection subscribed (DAVE on)
 *   perstream  one player and one Ogg Opus / WebM Opus stream per connection, staggered starts
 *   transcode  K connections playing raw PCM at volume 0.5 through the Opus encoder; the encoder's own cost is
 *              measured alone, and the pipeline's is the rest
 * Every client connection shares its channel with one deafened voicewire peer (a two-member DAVE group); the
 * emulator relays nothing to deafened members, so it only counts and timestamps (its CPU is in the table).
 * Lateness is measured in the client at the socket (perf-handoff.ts). Memory per connection is broken down into JS
 * heap, external (Buffers) and native (RSS minus both), next to the runtime's own TLS WebSocket + UDP socket floor.
 *   BENCH_SIZES=1000 BENCH_SECONDS=10 BENCH_TRANSCODE=50 BENCH_RUNTIMES=node,bun pnpm bench perf
 * Writes results/perf.md, perf.json and perf.png. Never fails on a timing.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { muxOggOpus, OpusCodec, PCM_FRAME_BYTES } from '@voicewire/audio';
import { generateLocalCertificate } from '@voicewire/voice-server';
import { nextMessage } from './harness.js';

const here = new URL('.', import.meta.url).pathname;
const root = join(here, '..', '..', '..');
const bin = (n: string): string => join(root, 'node_modules', '.bin', n);
const sizes = (process.env.BENCH_SIZES ?? '1000').split(',').map(Number);
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const K = Number(process.env.BENCH_TRANSCODE ?? 50);
const runtimes = (process.env.BENCH_RUNTIMES ?? 'node,bun').split(',').filter((r) => r === 'node' || (r === 'bun' && existsSync(bin('bun'))));
const onlyScenarios = process.env.BENCH_SCENARIOS?.split(',');
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
// BENCH_POOL=1: also the shared-socket-pool rows (issue 27): a floor whose sockets are shared across R remotes with
// each socket's datagrams of a tick in one sendmmsg (Node, @voicewire/udp-native) or sendMany (Bun), and voicewire
// with createNodeTransport({ udp: 'pool' }) / createBunTransport({ udp: 'pool' }), against that floor.
const withPool = process.env.BENCH_POOL === '1';
const remotes = Number(process.env.BENCH_REMOTES ?? 16);
// The client alone on CPU 0; this orchestrator, the emulator, the sink and the DAVE peers on CPU 1 (BENCH_PIN=0: off).
const pin = process.env.BENCH_PIN !== '0' && cpus().length >= 2 && spawnSync('taskset', ['-p', '-c', '1', String(process.pid)]).status === 0;
if (!pin) console.log('[perf] not pinned (no taskset, one core, or BENCH_PIN=0): the client shares its cores');

const cert = await generateLocalCertificate();
const dir = mkdtempSync(join(tmpdir(), 'voicewire-perf-'));
const caFile = join(dir, 'ca.pem');
writeFileSync(caFile, cert.cert);

// ── media: 16 s of a two-tone signal, as Ogg Opus, WebM Opus (ffmpeg remux) and raw PCM ──
const FRAMES = (seconds + 6) * 50;
const pcm = new Uint8Array(FRAMES * PCM_FRAME_BYTES);
{
  const dv = new DataView(pcm.buffer);
  for (let i = 0; i < FRAMES * 960; i++) {
    const v = Math.round(6000 * Math.sin((i * 2 * Math.PI * 440) / 48000) + 3000 * Math.sin((i * 2 * Math.PI * 1234) / 48000));
    dv.setInt16(i * 4, v, true);
    dv.setInt16(i * 4 + 2, v, true);
  }
}
const codec = new OpusCodec();
const opusFrames: Uint8Array[] = [];
const te0 = process.cpuUsage();
for (let f = 0; f < FRAMES; f++) opusFrames.push(codec.encode(pcm.subarray(f * PCM_FRAME_BYTES, (f + 1) * PCM_FRAME_BYTES)));
const te = process.cpuUsage(te0);
// the encoder's own cost per 20 ms frame (native libopus through @discordjs/opus — what both libraries call)
const encoderUs = (te.user + te.system) / FRAMES;
const files = { ogg: join(dir, 'media.ogg'), webm: join(dir, 'media.webm'), pcm: join(dir, 'media.pcm') };
writeFileSync(files.ogg, muxOggOpus(opusFrames));
writeFileSync(files.pcm, pcm);
try {
  const ffmpeg = (createRequire(join(root, 'packages', 'audio', 'package.json'))('@ffmpeg-installer/ffmpeg') as { path: string }).path;
  spawnSync(ffmpeg, ['-hide_banner', '-loglevel', 'error', '-y', '-i', files.ogg, '-c:a', 'copy', files.webm]);
} catch {
  /* no WebM rows without ffmpeg */
}

// ── processes ──
function child(runtime: string, script: string, args: string[], env: Record<string, string> = {}, nodeArgs: string[] = [], cpu: 0 | 1 = 1): ChildProcess {
  // Node runs with tsx as a loader (node itself, so flags such as a profile apply to the process doing the work).
  const cmd = runtime === 'bun' ? bin('bun') : process.execPath;
  const extra = runtime === 'bun' ? [] : ['--import', 'tsx', ...nodeArgs];
  const argv = [...extra, join(here, script), ...args];
  // taskset execs the program: the IPC channel and the process are the benchmark's own
  const [file, list] = pin ? ['taskset', ['-c', String(cpu), cmd, ...argv]] : [cmd, argv];
  return spawn(file, list, { cwd: root, stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: { ...process.env, BENCH_CA_FILE: caFile, NODE_EXTRA_CA_CERTS: caFile, NODE_OPTIONS: '--expose-gc', ...env } });
}
const ask = async <T>(p: ChildProcess, m: object, type: string, timeoutMs = 60_000): Promise<T> => {
  const r = nextMessage<T>(p, type, timeoutMs);
  p.send(m);
  return r;
};

const emulator = child('node', 'emulator-process.ts', [], { BENCH_CERT: JSON.stringify(cert), BENCH_DAVE: '1', BENCH_UDP_PORTS: String(withPool ? remotes : 1) });
const emu = await nextMessage<{ gatewayUrl: string; endpoint: string; udp: string }>(emulator, 'ready', 30_000);
const sink = child('node', 'perf-sink.ts', [], { BENCH_SINK_PORTS: String(withPool ? remotes : 1) });
const { ports: sinkPorts } = await nextMessage<{ ports: number[] }>(sink, 'ready', 30_000);
const env = { BENCH_GATEWAY_URL: emu.gatewayUrl };

interface Mem { rss: number; heap: number; external: number; arrayBuffers: number }
interface Gc { count: number; major: number; pauseMs: number; heapGrowth: number }
interface Row {
  round: number;
  gc?: Gc | null;
  n: number;
  scenario: string;
  lib: string;
  runtime: string;
  cpu: number;
  /** Event-loop utilization of the main thread, % of the window (the rest of `cpu` is other threads). */
  mainThread?: number;
  usPerPacket: number;
  ratio: number;
  p50: number;
  p99: number;
  max: number;
  lost: number;
  expected: number;
  emuCpu: number;
  idle?: Mem;
  rssSending?: number;
  joinS?: number;
  error?: string;
  /** voicewire's media engine over the window: cycles run, catch-up cycles, grid resets (each shifts every stream later). */
  engine?: { cycles: number; catchUpCycles: number; resets: number } | null;
}
const rows: Row[] = [];
/** `${round}:${runtime}:${n}` → the floor measured in that round. */
const floors: Record<string, { cpu: number; usPerPacket: number; sinkCpu: number; lost: number }> = {};
const memFloors: Record<string, Mem> = {};

async function runFloor(n: number, runtime: string, round: number, pool = false): Promise<void> {
  await ask(sink, { type: 'reset' }, 'reset-done');
  const f = child(runtime, 'perf-floor.ts', [String(n), String(seconds), sinkPorts.join(',')], { BENCH_FLOOR_SEND: pool ? 'pool' : 'socket' }, [], 0);
  const key = pool ? `${runtime}+pool` : runtime;
  try {
    const r = await nextMessage<{ cpuPercent: number; usPerPacket: number; packets: number }>(f, 'floor', (seconds + 120) * 1000);
    const s = await ask<{ packets: number; cpuPercent: number }>(sink, { type: 'stats' }, 'stats');
    floors[`${round}:${key}:${n}`] = { cpu: r.cpuPercent, usPerPacket: r.usPerPacket, sinkCpu: s.cpuPercent, lost: Math.max(0, n * 50 * (seconds + 1) - s.packets) };
    console.log(`[perf] round ${round} floor ${key} N=${n}: ${r.cpuPercent.toFixed(1)} % CPU, ${r.usPerPacket.toFixed(2)} µs/packet (sink ${s.cpuPercent.toFixed(1)} %)`);
  } catch (e) {
    console.error(`[perf] floor ${runtime} N=${n} failed: ${(e as Error).message}`);
    f.kill('SIGKILL');
  }
}

async function runMemFloor(n: number, runtime: string): Promise<void> {
  const p = child(runtime, 'perf-memfloor.ts', [String(n), emu.endpoint, emu.udp.split(':')[1] as string]);
  try {
    memFloors[`${runtime}:${n}`] = (await nextMessage<{ perConnection: Mem }>(p, 'memfloor', 120_000)).perConnection;
  } catch (e) {
    console.error(`[perf] memory floor ${runtime} failed: ${(e as Error).message}`);
    p.kill('SIGKILL');
  }
}

async function runClient(round: number, n: number, scenario: string, lib: string, runtime: string, media: string, format: string, floorN = n): Promise<void> {
  const label = `round ${round}: ${lib} ${runtime} ${scenario}${format ? ` (${format})` : ''} N=${n}`;
  console.log(`[perf] ${label}…`);
  await ask(emulator, { type: 'reset' }, 'reset-done');
  // BENCH_PROFILE=dir: a CPU profile of each Node client (open in Chrome DevTools or speedscope)
  const prof = process.env.BENCH_PROFILE && runtime === 'node' ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
  // BENCH_NODE_ARGS='--trace-gc': more flags for each Node client (a diagnosis: they may cost time themselves)
  if (runtime === 'node' && process.env.BENCH_NODE_ARGS) prof.push(...process.env.BENCH_NODE_ARGS.split(' ').filter(Boolean));
  const c = child(runtime, 'perf-client.ts', [lib, scenario, String(n), String(seconds), format], { ...env, BENCH_MEDIA: media }, prof, 0);
  const row: Row = { round, n, scenario: format ? `${scenario} (${format})` : scenario, lib, runtime, cpu: NaN, usPerPacket: NaN, ratio: NaN, p50: NaN, p99: NaN, max: NaN, lost: NaN, expected: NaN, emuCpu: NaN };
  try {
    const joined = await nextMessage<{ joinMs: number; daveFormed?: number }>(c, 'joined', 600_000);
    row.joinS = joined.joinMs / 1000;
    if (joined.daveFormed !== undefined && joined.daveFormed < n) console.log(`[perf]   only ${joined.daveFormed}/${n} DAVE groups formed`);
    row.idle = (await nextMessage<{ perConnection: Mem }>(c, 'idle', 60_000)).perConnection;
    await ask(emulator, { type: 'reset' }, 'reset-done');
    c.send({ type: 'go' });
    await new Promise((r) => setTimeout(r, 2_000));
    await ask(emulator, { type: 'cpu-start' }, 'cpu-started');
    const sent = await nextMessage<{ mainThreadPercent: number; cpuPercent: number; cpuMsPerPacket: number; late: { p50: number; p99: number; max: number; packets: number }; rssPerConnection: number; gc: Gc | null; engine?: { cycles: number; catchUpCycles: number; resets: number } | null }>(c, 'sent', (seconds + 60) * 1000);
    row.gc = sent.gc;
    row.engine = sent.engine ?? null;
    const ecpu = await ask<{ cpuPercent: number }>(emulator, { type: 'cpu' }, 'cpu');
    await new Promise((r) => setTimeout(r, 300));
    const st = (await ask<{ stats: { lost: number; expected: number } }>(emulator, { type: 'stats' }, 'stats')).stats;
    Object.assign(row, { mainThread: sent.mainThreadPercent, cpu: sent.cpuPercent, usPerPacket: sent.cpuMsPerPacket * 1000, p50: sent.late.p50, p99: sent.late.p99, max: sent.late.max, lost: st.lost, expected: st.expected, emuCpu: ecpu.cpuPercent, rssSending: sent.rssPerConnection });
    c.send({ type: 'finish' });
    await nextMessage(c, 'done', 120_000).catch(() => c.kill('SIGKILL'));
  } catch (e) {
    row.error = (e as Error).message;
    c.kill('SIGKILL');
  }
  // the ratio to the floor of the same round and runtime
  const floorRuntime = lib.endsWith('-pool') ? `${runtime}+pool` : runtime;
  const floor = floors[`${round}:${floorRuntime}:${floorN}`] ?? floors[`${round}:node:${floorN}`];
  if (floor && Number.isFinite(row.usPerPacket)) row.ratio = row.usPerPacket / floor.usPerPacket;
  rows.push(row);
  console.log(`[perf]   ${Number.isFinite(row.cpu) ? `${row.cpu.toFixed(1)} % CPU (main thread busy ${row.mainThread?.toFixed(1)} %), ${row.usPerPacket.toFixed(2)} µs/packet (${row.ratio.toFixed(2)}× floor), p99 ${row.p99.toFixed(2)} ms, lost ${row.lost}/${row.expected}, emulator ${row.emuCpu.toFixed(1)} %${row.engine ? `, engine ${row.engine.cycles} cycles / ${row.engine.catchUpCycles} catch-up / ${row.engine.resets} resets` : ''}` : `failed: ${row.error}`}`);
}

for (const n of sizes) {
  for (const rt of runtimes) await runMemFloor(n, rt);
  const peers = child('node', 'perf-peers.ts', [String(n)], env);
  try {
    await nextMessage(peers, 'joined', 600_000);
  } catch (e) {
    console.error(`[perf] peers failed: ${(e as Error).message}`);
    peers.kill('SIGKILL');
    continue;
  }
  // voicewire on Node, the drop-in, @discordjs/voice, voicewire on Bun — every row in every round, after that round's floors
  const clients: [string, string][] = [
    ['voicewire', 'node'],
    ['dropin', 'node'],
    ['djs', 'node'],
    ...(runtimes.includes('bun') ? [['voicewire', 'bun'] as [string, string]] : []),
    ...(withPool ? runtimes.map((rt) => ['voicewire-pool', rt] as [string, string]) : []),
  ];
  const plan: [string, string, string, number][] = [
    ['broadcast', '', '', n],
    ['perstream', files.ogg, 'ogg', n],
    ...(existsSync(files.webm) ? [['perstream', files.webm, 'webm', n] as [string, string, string, number]] : []),
    ['transcode', files.pcm, '', Math.min(K, n)],
  ];
  for (let round = 1; round <= rounds; round++) {
    for (const rt of runtimes) {
      await runFloor(n, rt, round);
      if (withPool) await runFloor(n, rt, round, true);
    }
    for (const [scenario, media, format, count] of plan) {
      if (onlyScenarios && !onlyScenarios.includes(scenario)) continue;
      for (const [lib, rt] of clients) {
        if (process.env.BENCH_LIBS && !process.env.BENCH_LIBS.split(',').includes(`${lib}-${rt}`)) continue;
        await runClient(round, count, scenario, lib, rt, media, format, n);
      }
    }
  }
  await ask(peers, { type: 'stop' }, 'stopped', 120_000).catch(() => peers.kill('SIGKILL'));
}
emulator.send({ type: 'stop' });
sink.send({ type: 'stop' });

// ── report: per row, the median over the rounds and the range (min–max) ──
const f = (x: number | undefined, d = 1): string => (x !== undefined && Number.isFinite(x) ? x.toFixed(d) : 'n/a');
const kib = (x: number | undefined): string => (x !== undefined && Number.isFinite(x) ? `${(x / 1024).toFixed(0)}` : 'n/a');
const LIB: Record<string, string> = { voicewire: 'voicewire', 'voicewire-pool': 'voicewire, shared socket pool', dropin: '@voicewire/discordjs', djs: '@discordjs/voice 0.19.2' };
const libName = (r: { lib: string; runtime: string }): string => `${LIB[r.lib] ?? r.lib} (${r.runtime === 'bun' ? 'Bun' : 'Node'})`;
const median = (xs: number[]): number => {
  const v = xs.filter(Number.isFinite).sort((x, y) => x - y);
  if (v.length === 0) return NaN;
  const m = v.length >> 1;
  return v.length % 2 ? (v[m] as number) : ((v[m - 1] as number) + (v[m] as number)) / 2;
};
const spread = (xs: number[], d: number): string => {
  const v = xs.filter(Number.isFinite);
  return v.length ? `${f(median(v), d)} (${f(Math.min(...v), d)}–${f(Math.max(...v), d)})` : 'n/a';
};
interface Summary { scenario: string; lib: string; runtime: string; n: number; rows: Row[]; ratio: number; usPerPacket: number }
const summaries: Summary[] = [];
for (const r of rows) {
  let sm = summaries.find((x) => x.scenario === r.scenario && x.lib === r.lib && x.runtime === r.runtime && x.n === r.n);
  if (!sm) summaries.push((sm = { scenario: r.scenario, lib: r.lib, runtime: r.runtime, n: r.n, rows: [], ratio: NaN, usPerPacket: NaN }));
  sm.rows.push(r);
}
for (const sm of summaries) {
  sm.ratio = median(sm.rows.map((r) => r.ratio));
  sm.usPerPacket = median(sm.rows.map((r) => r.usPerPacket));
}
const floorRows = new Map<string, { cpu: number[]; us: number[]; sink: number[] }>();
for (const [k, v] of Object.entries(floors)) {
  const key = k.split(':').slice(1).join(':');
  const e = floorRows.get(key) ?? { cpu: [], us: [], sink: [] };
  e.cpu.push(v.cpu);
  e.us.push(v.usPerPacket);
  e.sink.push(v.sinkCpu);
  floorRows.set(key, e);
}
const gcCell = (rs: Row[]): string => {
  const g = rs.map((r) => r.gc).filter((x): x is Gc => !!x);
  if (g.length === 0) return 'n/a';
  return `${f(median(g.map((x) => x.count)), 0)} / ${f(median(g.map((x) => x.major)), 0)} / ${f(median(g.map((x) => x.pauseMs)), 0)} ms`;
};
const heapCell = (rs: Row[]): string => {
  const g = rs.map((r) => r.gc).filter((x): x is Gc => !!x);
  return g.length ? `${f(median(g.map((x) => x.heapGrowth / 1024 / 1024)), 1)} MiB` : 'n/a';
};
const lines: string[] = [
  `## Performance with DAVE on (${process.version}, ${cpus()[0]?.model ?? ''}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; ${seconds} s per row, ${rounds} interleaved rounds)`,
  '',
  `\`npm run bench perf\`. Every connection is in a two-member DAVE group (a deafened peer in another process), so each packet is DAVE-encrypted, then transport-encrypted (voicewire and the drop-in: sodium XChaCha20; @discordjs/voice: its AES-256-GCM). Each round runs the floor, then every library on every workload; a cell is the median over the rounds with the range (min–max) in brackets. CPU is the client process over the measured window; µs/packet = CPU time ÷ packets handed to sockets; × floor is computed within each round, against that round's floor of the same runtime. ${pin ? 'The client runs alone on CPU 0 (taskset); the emulator, the sink, the DAVE peers and this orchestrator share CPU 1 — lateness is measured that way.' : 'Not pinned: the client shared its cores with the emulator, the sink and the peers.'} Lateness: at the socket, against each stream's 20 ms grid. Lost: packets the emulator did not receive, over all rounds. GC: collections in the window / major ones / total pause (Node); heap: JS heap growth over the window.`,
  '',
  '### The floor',
  '',
  '| runtime | N | CPU % | µs / packet | sink CPU % |',
  '|---|---:|---:|---:|---:|',
  ...[...floorRows.entries()].map(([k, v]) => `| ${k.split(':')[0]} | ${k.split(':')[1]} | ${spread(v.cpu, 1)} | ${spread(v.us, 2)} | ${spread(v.sink, 1)} |`),
  '',
  '### Workloads',
  '',
  '| workload | library | N | µs / packet | × floor | CPU % | p99 late (ms) | max late (ms) | lost | GC (count / major / pause) | heap growth | emulator CPU % |',
  '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...summaries.map((sm) => {
    const rs = sm.rows;
    const lost = rs.reduce((x, r) => x + (Number.isFinite(r.lost) ? r.lost : 0), 0);
    const expected = rs.reduce((x, r) => x + (Number.isFinite(r.expected) ? r.expected : 0), 0);
    const errors = rs.filter((r) => r.error).length;
    return `| ${sm.scenario} | ${libName(sm)} | ${sm.n} | ${spread(rs.map((r) => r.usPerPacket), 2)} | ${spread(rs.map((r) => r.ratio), 2)} | ${spread(rs.map((r) => r.cpu), 1)} | ${spread(rs.map((r) => r.p99), 1)} | ${spread(rs.map((r) => r.max), 1)} | ${lost}/${expected}${errors ? ` (${errors} failed)` : ''} | ${gcCell(rs)} | ${heapCell(rs)} | ${spread(rs.map((r) => r.emuCpu), 1)} |`;
  }),
  '',
  `Transcode: the Opus encoder alone costs ${f(encoderUs, 1)} µs per 20 ms frame here (native libopus, what every library calls); a transcode row's pipeline share is its µs/packet minus that.`,
  '',
  ...summaries.filter((sm) => sm.scenario === 'transcode' && Number.isFinite(sm.usPerPacket)).map((sm) => `- ${libName(sm)}: ${f(sm.usPerPacket, 1)} µs/packet = encoder ${f(encoderUs, 1)} + pipeline ${f(sm.usPerPacket - encoderUs, 1)} (${f(((sm.usPerPacket - encoderUs) / encoderUs) * 100, 0)} % of the encoder)`),
  '',
  '### Memory per connection (idle, after GC; first round)',
  '',
  '| what | RSS KiB | JS heap KiB | external KiB | native KiB (RSS − heap − external) |',
  '|---|---:|---:|---:|---:|',
  ...Object.entries(memFloors).map(([k, m]) => `| floor: TLS WebSocket + UDP socket (${k.split(':')[0]}, N=${k.split(':')[1]}) | ${kib(m.rss)} | ${kib(m.heap)} | ${kib(m.external)} | ${kib(m.rss - m.heap - m.external)} |`),
  ...rows.filter((r) => r.scenario === 'broadcast' && r.round === 1 && r.idle).map((r) => `| ${libName(r)}, N=${r.n} | ${kib(r.idle?.rss)} | ${kib(r.idle?.heap)} | ${kib(r.idle?.external)} | ${kib((r.idle?.rss ?? NaN) - (r.idle?.heap ?? NaN) - (r.idle?.external ?? NaN))} |`),
  '',
];
const md = lines.join('\n');
console.log(md);
mkdirSync(join(here, '..', 'results'), { recursive: true });
// a profiling run (BENCH_PROFILE) is a diagnosis, not the figures: it does not replace them
const out = process.env.BENCH_OUT ?? (process.env.BENCH_PROFILE ? 'perf-profile' : 'perf');
writeFileSync(join(here, '..', 'results', `${out}.md`), md);
writeFileSync(join(here, '..', 'results', `${out}.json`), JSON.stringify({ pinned: pin, rounds, floors, memFloors, encoderUs, rows }, null, 2));

// Chart: µs per packet as a multiple of the floor, per workload and library.
try {
  const { Resvg } = await import('@resvg/resvg-js');
  const data = summaries.filter((r) => Number.isFinite(r.ratio));
  const W = 960, H = 440, pad = 70;
  const groups = [...new Set(data.map((r) => r.scenario))];
  const libs = [...new Set(data.map(libName))];
  const colors = ['#2b7bb9', '#6aa84f', '#c0504d', '#999999'];
  const max = Math.max(2, ...data.map((r) => r.ratio)) * 1.15;
  const ph = H - 2 * pad;
  const gw = (W - 2 * pad) / Math.max(1, groups.length);
  let body = `<text x="${W / 2}" y="30" font-family="DejaVu Sans" font-size="16" text-anchor="middle">CPU per packet as a multiple of the floor, median of ${rounds} rounds (DAVE on, N=${sizes.join('/')})</text>`;
  body += `<line x1="${pad}" y1="${pad + ph}" x2="${W - pad}" y2="${pad + ph}" stroke="#444"/>`;
  const yFloor = pad + ph - (1 / max) * ph;
  body += `<line x1="${pad}" y1="${yFloor}" x2="${W - pad}" y2="${yFloor}" stroke="#888" stroke-dasharray="4 4"/><text x="${pad - 6}" y="${yFloor + 4}" font-family="DejaVu Sans" font-size="11" text-anchor="end">floor</text>`;
  groups.forEach((g, gi) => {
    libs.forEach((l, li) => {
      const r = data.find((x) => x.scenario === g && libName(x) === l);
      if (!r) return;
      const h = (r.ratio / max) * ph;
      const bw = (gw * 0.8) / libs.length;
      const x = pad + gi * gw + gw * 0.1 + li * bw;
      body += `<rect x="${x}" y="${pad + ph - h}" width="${bw * 0.9}" height="${h}" fill="${colors[li % colors.length]}"/>`;
      body += `<text x="${x + bw * 0.45}" y="${pad + ph - h - 4}" font-family="DejaVu Sans" font-size="10" text-anchor="middle">${r.ratio.toFixed(2)}×</text>`;
    });
    body += `<text x="${pad + gi * gw + gw / 2}" y="${pad + ph + 18}" font-family="DejaVu Sans" font-size="12" text-anchor="middle">${g}</text>`;
  });
  libs.forEach((l, li) => {
    body += `<rect x="${pad + li * 240}" y="${H - 26}" width="12" height="12" fill="${colors[li % colors.length]}"/><text x="${pad + li * 240 + 18}" y="${H - 16}" font-family="DejaVu Sans" font-size="12">${l}</text>`;
  });
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}"><rect width="100%" height="100%" fill="white"/>${body}</svg>`;
  const fontFiles = ['/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf'].filter(existsSync);
  writeFileSync(join(here, '..', 'results', `${out}.png`), new Resvg(svg, { font: { fontFiles, loadSystemFonts: fontFiles.length === 0, defaultFontFamily: 'DejaVu Sans' } }).render().asPng());
  console.log(`[perf] chart: apps/bench/results/${out}.png`);
} catch (e) {
  console.error(`[perf] chart not written: ${(e as Error).message}`);
}
process.exit(0);
