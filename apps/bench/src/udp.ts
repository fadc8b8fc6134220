/**
 * `npm run bench udp` (issue 27): the send stage alone, per path, in interleaved rounds — N streams at 50 datagrams
 * a second each, the client alone on CPU 0 (taskset), the sink (R sockets: R "voice servers") on CPU 1.
 *   BENCH_SIZES=500,2000 BENCH_SECONDS=10 BENCH_ROUNDS=3 BENCH_REMOTES=16 npm run bench udp
 * Writes results/udp.md and udp.json: per path the median and range over the rounds of µs per datagram (user +
 * system CPU of the client), and the ratio to node:dgram's (Node paths) or Bun's send (Bun paths) of the same round.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpus } from 'node:os';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const here = new URL('.', import.meta.url).pathname;
const root = join(here, '..', '..', '..');
const bin = (n: string) => join(root, 'node_modules', '.bin', n);
const sizes = (process.env.BENCH_SIZES ?? '500,2000').split(',').map(Number);
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const remotes = Number(process.env.BENCH_REMOTES ?? 16);
const hasBun = existsSync(bin('bun'));
const paths = (process.env.BENCH_PATHS ?? 'node-dgram,node-batched,node-pool,bun-send,bun-sendmany').split(',').filter((p) => hasBun || !p.startsWith('bun'));
const pin = process.env.BENCH_PIN !== '0' && cpus().length >= 2 && spawnSync('taskset', ['-p', '-c', '1', String(process.pid)]).status === 0;

function child(runtime: 'node' | 'bun', script: string, args: string[], env: Record<string, string>, cpu: 0 | 1): ChildProcess {
  const cmd = runtime === 'bun' ? bin('bun') : process.execPath;
  const argv = [...(runtime === 'bun' ? [] : ['--import', 'tsx']), join(here, script), ...args];
  const [file, list] = pin ? ['taskset', ['-c', String(cpu), cmd, ...argv]] : [cmd, argv];
  return spawn(file, list, { cwd: root, stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: { ...process.env, ...env } });
}
function next<T>(p: ChildProcess, type: string, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no ${type} within ${ms} ms`)), ms);
    const on = (m: { type: string }) => {
      if (m.type !== type) return;
      clearTimeout(t);
      p.off('message', on);
      resolve(m as T);
    };
    p.on('message', on);
    p.once('exit', (code) => reject(new Error(`exited with ${code} before ${type}`)));
  });
}

const sink = child('node', 'perf-sink.ts', [], { BENCH_SINK_PORTS: String(remotes) }, 1);
const { ports } = await next<{ ports: number[] }>(sink, 'ready', 30_000);
interface Row { path: string; n: number; round: number; us: number; cpu: number; received: number; sent: number }
const rows: Row[] = [];
for (const n of sizes) {
  for (let round = 1; round <= rounds; round++) {
    for (const path of paths) {
      sink.send({ type: 'reset' });
      await next(sink, 'reset-done', 10_000);
      const c = child(path.startsWith('bun') ? 'bun' : 'node', 'udp-client.ts', [path, String(n), String(seconds), ports.join(',')], {}, 0);
      try {
        const r = await next<{ usPerDatagram: number; cpuPercent: number; datagrams: number; sentInAll: number }>(c, 'udp', (seconds + 120) * 1000);
        await new Promise((res) => setTimeout(res, 200));
        sink.send({ type: 'stats' });
        const s = await next<{ packets: number }>(sink, 'stats', 10_000);
        rows.push({ path, n, round, us: r.usPerDatagram, cpu: r.cpuPercent, received: s.packets, sent: r.sentInAll });
        console.log(`[udp] round ${round} ${path} N=${n}: ${r.usPerDatagram.toFixed(2)} µs/datagram, ${r.cpuPercent.toFixed(1)} % CPU, sink got ${s.packets} of ${r.sentInAll}`);
      } catch (e) {
        console.error(`[udp] ${path} N=${n} failed: ${(e as Error).message}`);
        c.kill('SIGKILL');
      }
    }
  }
}
sink.send({ type: 'stop' });

const median = (xs: number[]): number => {
  const v = [...xs].sort((a, b) => a - b);
  const m = v.length >> 1;
  return v.length % 2 ? (v[m] as number) : ((v[m - 1] as number) + (v[m] as number)) / 2;
};
const spread = (xs: number[], d = 2): string => (xs.length ? `${median(xs).toFixed(d)} (${Math.min(...xs).toFixed(d)}–${Math.max(...xs).toFixed(d)})` : 'n/a');
const base = (p: string): string => (p.startsWith('bun') ? 'bun-send' : 'node-dgram');
const lines = [
  `## The UDP send stage (${new Date().toISOString().slice(0, 10)}, ${cpus()[0]?.model ?? ''}, Node ${process.versions.node})`,
  '',
  `\`npm run bench udp\`: N streams, one 200-byte datagram each per 20 ms tick, over ${remotes} remotes (sink sockets) on loopback; ${rounds} interleaved rounds of ${seconds} s; ${pin ? 'the client alone on CPU 0 (taskset), the sink on CPU 1' : 'not pinned'}. µs per datagram = the client's CPU (user + system: on loopback the send syscall also delivers the datagram, so most of it is system time; this VM's user/system split is tick-sampled and not reported) ÷ datagrams; × base = within each round, against node:dgram (Node paths) or Bun's send (Bun paths). Median (min–max).`,
  '',
  '| path | N | µs / datagram | × base | client CPU % | lost |',
  '|---|---:|---:|---:|---:|---:|',
];
for (const n of sizes) {
  for (const path of paths) {
    const rs = rows.filter((r) => r.path === path && r.n === n);
    if (!rs.length) continue;
    const ratios = rs.map((r) => r.us / (rows.find((b) => b.path === base(path) && b.n === n && b.round === r.round)?.us ?? NaN)).filter(Number.isFinite);
    const recv = rs.reduce((a, r) => a + r.received, 0);
    const sent = rs.reduce((a, r) => a + r.sent, 0);
    lines.push(`| ${path} | ${n} | ${spread(rs.map((r) => r.us))} | ${spread(ratios)} | ${spread(rs.map((r) => r.cpu), 1)} | ${sent - recv} of ${sent} |`);
  }
}
const out = process.env.BENCH_OUT ?? 'udp';
writeFileSync(join(here, '..', 'results', `${out}.md`), `${lines.join('\n')}\n`);
writeFileSync(join(here, '..', 'results', `${out}.json`), JSON.stringify({ pinned: pin, remotes, seconds, rounds, rows }, null, 2));
console.log(lines.join('\n'));
