// The voice emulator in its own process for benchmarks (so the client's CPU figures are its own). Records the
// arrival time of every RTP packet per SSRC and answers {type:'stats'} over IPC with lateness and loss.
import { startVoiceServer } from '@voicewire/voice-server';

const certificate = JSON.parse(process.env.BENCH_CERT as string) as { key: string; cert: string };
const wall = (): number => performance.timeOrigin + performance.now();
const arrivals = new Map<number, { seqs: number[]; times: number[] }>();

const server = await startVoiceServer({
  tls: true,
  certificate,
  // BENCH_DAVE=1: DAVE on, as on Discord (the perf bench); the scale bench keeps transport encryption only.
  dave: process.env.BENCH_DAVE === '1',
  // BENCH_UDP_PORTS=R: R UDP voice servers, given to sessions in turn (the shared-pool rows need several remotes)
  udpPorts: Number(process.env.BENCH_UDP_PORTS ?? 1),
  onRtp(ssrc, seq) {
    let a = arrivals.get(ssrc);
    if (!a) arrivals.set(ssrc, (a = { seqs: [], times: [] }));
    a.seqs.push(seq);
    a.times.push(wall());
  },
});

function stats(ssrcs?: number[]): unknown {
  const late: number[] = [];
  let received = 0;
  let expected = 0;
  const first: Record<number, number> = {};
  for (const [ssrc, a] of arrivals) {
    if (ssrcs && !ssrcs.includes(ssrc)) continue;
    first[ssrc] = a.times[0] as number;
    // unwrap 16-bit sequence numbers
    const seqs: number[] = [];
    let base = 0;
    let prev = a.seqs[0] as number;
    for (const s of a.seqs) {
      if (s < prev && prev - s > 30000) base += 65536;
      seqs.push(base + s);
      prev = s;
    }
    const s0 = Math.min(...seqs);
    const offsets = seqs.map((s, i) => (a.times[i] as number) - 20 * (s - s0));
    const min = Math.min(...offsets);
    for (const o of offsets) late.push(o - min);
    received += new Set(seqs).size;
    expected += Math.max(...seqs) - s0 + 1;
  }
  late.sort((x, y) => x - y);
  const q = (p: number): number => late[Math.min(late.length - 1, Math.floor(p * late.length))] ?? 0;
  return { received, expected, lost: expected - received, p50: q(0.5), p99: q(0.99), max: late[late.length - 1] ?? 0, streams: arrivals.size, first };
}

let cpu0 = process.cpuUsage();
let w0 = performance.now();
process.on('message', (m: { type: string; ssrcs?: number[] }) => {
  if (m.type === 'reset') {
    arrivals.clear();
    process.send?.({ type: 'reset-done' });
  } else if (m.type === 'cpu-start') {
    cpu0 = process.cpuUsage();
    w0 = performance.now();
    process.send?.({ type: 'cpu-started' });
  } else if (m.type === 'cpu') {
    const c = process.cpuUsage(cpu0);
    process.send?.({ type: 'cpu', cpuPercent: ((c.user + c.system) / 1000 / (performance.now() - w0)) * 100 });
  } else if (m.type === 'stats') process.send?.({ type: 'stats', stats: stats(m.ssrcs) });
  else if (m.type === 'stop') void server.close().then(() => process.exit(0));
});
process.send?.({ type: 'ready', gatewayUrl: server.gatewayUrl, endpoint: server.endpoint, udp: `127.0.0.1:${server.udpPort}` });
