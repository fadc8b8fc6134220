// One client process of `npm run bench perf`: N connections of one library (voicewire on Node or Bun,
// @voicewire/discordjs — the drop-in — on Node, or @discordjs/voice on Node), each in its own channel with one deafened DAVE peer (perf-peers.ts), so every packet
// is DAVE-encrypted and transport-encrypted. Then one workload for a fixed time:
//   broadcast   one player, every connection subscribed, the same pre-encoded frame
//   perstream   one player and one Ogg Opus (or WebM Opus) stream per connection, started at staggered times
//   transcode   one player per connection playing raw PCM at volume 0.5 through the Opus encoder
// Reports over IPC: join time, idle and sending memory per connection (RSS, JS heap, external), CPU %, the garbage
// collections in the window (count, major ones, pause time; Node's perf_hooks 'gc' entries) and the heap's growth
// over it, and the lateness of every packet handed to the socket against its stream's 20 ms grid.
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { installHandoffProbe, startRecording, stopRecording } from './perf-handoff.js';

await installHandoffProbe();
const [impl, scenario, nArg, secondsArg, format] = process.argv.slice(2) as [string, string, string, string, string | undefined];
const N = Number(nArg);
const seconds = Number(secondsArg);
const isBun = 'Bun' in globalThis;
const ca = readFileSync(process.env.BENCH_CA_FILE as string, 'utf8');
const send = (m: unknown): void => void process.send?.(m);
const wait = (type: string): Promise<void> => new Promise((resolve) => {
  const on = (m: { type: string }): void => {
    if (m.type !== type) return;
    process.off('message', on);
    resolve();
  };
  process.on('message', on);
});
const gc = (): void => (globalThis as { gc?: () => void }).gc?.() ?? (globalThis as { Bun?: { gc(f: boolean): void } }).Bun?.gc(true);
const mem = () => {
  gc();
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers };
};

const { connectEmulatorGateway } = await import('@voicewire/voice-server');
const gateway = await connectEmulatorGateway(process.env.BENCH_GATEWAY_URL as string, { ca, token: 'Bot voicewire-perf' });
const guild = (i: number): string => String(300000000000000000n + BigInt(i));
const channel = (i: number): string => String(400000000000000000n + BigInt(i));
const frame = new Uint8Array(160).map((_, i) => (i * 7 + 0xfc) & 0xff);
frame[0] = 0xfc;
const media = process.env.BENCH_MEDIA ? readFileSync(process.env.BENCH_MEDIA) : null; // Ogg or WebM Opus, or s16le PCM
// Streams arrive in chunks (a file read, a socket): containers in 64 KiB chunks, PCM in 20 ms chunks — so neither
// library can decode or encode a whole track ahead of the measured window.
const chunked = (bytes: Buffer, size: number): Buffer[] => Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => bytes.subarray(i * size, (i + 1) * size));
const chunkSize = scenario === 'transcode' ? 3840 : 65536;
const m0 = mem();

interface Conn { destroy(): void }
const conns: Conn[] = [];
let start: () => void;
let stop: () => void;
/** voicewire's media engine counters (cycles, catch-up cycles, grid resets), read over the window. */
let engineStats: (() => { cycles: number; catchUpCycles: number; resets: number; clientErrors: number }) | null = null;

if (impl === 'voicewire' || impl === 'voicewire-pool') {
  const { joinVoiceChannel } = await import('@voicewire/voice');
  const { daveProvider } = await import('@voicewire/crypto-dave');
  const { sodiumProvider } = await import('@voicewire/crypto-sodium');
  const audio = await import('@voicewire/audio');
  // voicewire-pool: the shared socket pool (each socket's datagrams of a cycle in one sendmmsg / sendMany)
  const udp = impl === 'voicewire-pool' ? ('pool' as const) : ('socket' as const);
  const transport = isBun ? (await import('@voicewire/transport-bun')).createBunTransport({ ca, udp }) : (await import('@voicewire/transport-node')).createNodeTransport({ ca, udp });
  if (udp === 'pool') console.log(`[perf-client] ${(transport as { describe(): string }).describe()}`);
  const t0 = performance.now();
  const vw: import('@voicewire/voice').VoiceConnection[] = [];
  for (let i = 0; i < N; i += 50) {
    const batch = Array.from({ length: Math.min(50, N - i) }, (_, k) =>
      joinVoiceChannel({ guildId: guild(i + k), channelId: channel(i + k), adapterCreator: gateway.adapterCreator(guild(i + k)) as never, transport, crypto: sodiumProvider, e2ee: daveProvider, selfDeaf: true }),
    );
    await Promise.all(batch.map((c) => c.ready({ timeoutMs: 120_000, e2ee: true })));
    vw.push(...batch);
  }
  conns.push(...vw);
  send({ type: 'joined', joinMs: performance.now() - t0 });
  const players: import('@voicewire/audio').AudioPlayer[] = [];
  engineStats = () => ({ ...audio.defaultEngine.stats });
  start = () => {
    if (scenario === 'broadcast') {
      const p = new audio.AudioPlayer({ progressEvery: 1e9 });
      for (const c of vw) p.subscribe(c);
      p.enqueue(audio.createFramesResource(Array.from({ length: seconds * 50 + 200 }, () => frame), 'bench'));
      players.push(p);
      return;
    }
    vw.forEach((c, i) => {
      setTimeout(() => {
        const p = new audio.AudioPlayer({ progressEvery: 1e9 });
        p.subscribe(c);
        const bytes = media as Buffer;
        if (scenario === 'perstream') {
          const chunks = chunked(bytes, chunkSize);
          p.enqueue(format === 'webm' ? audio.createWebmOpusResource(chunks) : audio.createOggOpusResource(chunks));
        } else p.enqueue(audio.createPcmResource((async function* () { yield* chunked(bytes, chunkSize); })(), { volume: 0.5, title: 'pcm' }));
        players.push(p);
      }, (i * 1000) / N);
    });
  };
  stop = () => players.forEach((p) => p.stop());
} else {
  // @discordjs/voice itself, or the drop-in that runs the same bot code on voicewire
  const djs = (impl === 'dropin' ? await import('@voicewire/discordjs') : await import('@discordjs/voice')) as typeof import('@discordjs/voice');
  const t0 = performance.now();
  const dj: import('@discordjs/voice').VoiceConnection[] = [];
  for (let i = 0; i < N; i += 50) {
    const batch = Array.from({ length: Math.min(50, N - i) }, (_, k) => djs.joinVoiceChannel({ guildId: guild(i + k), channelId: channel(i + k), adapterCreator: gateway.adapterCreator(guild(i + k)) as never }));
    await Promise.all(batch.map((c) => djs.entersState(c, djs.VoiceConnectionStatus.Ready, 120_000)));
    // DAVE: wait for the group (the privacy code exists once it is formed)
    const end = performance.now() + 60_000;
    while (batch.some((c) => !c.voicePrivacyCode) && performance.now() < end) await new Promise((r) => setTimeout(r, 20));
    dj.push(...batch);
  }
  conns.push(...dj);
  send({ type: 'joined', joinMs: performance.now() - t0, daveFormed: dj.filter((c) => c.voicePrivacyCode).length });
  const players: import('@discordjs/voice').AudioPlayer[] = [];
  start = () => {
    if (scenario === 'broadcast') {
      const p = djs.createAudioPlayer({ behaviors: { noSubscriber: djs.NoSubscriberBehavior.Play } });
      for (const c of dj) c.subscribe(p);
      let n = 0;
      const stream = new Readable({ objectMode: true, read() { this.push(n++ < seconds * 50 + 200 ? Buffer.from(frame) : null); } });
      p.play(djs.createAudioResource(stream, { inputType: djs.StreamType.Opus }));
      players.push(p);
      return;
    }
    dj.forEach((c, i) => {
      setTimeout(() => {
        const p = djs.createAudioPlayer({ behaviors: { noSubscriber: djs.NoSubscriberBehavior.Play } });
        c.subscribe(p);
        const bytes = media as Buffer;
        if (scenario === 'perstream') p.play(djs.createAudioResource(Readable.from(chunked(bytes, chunkSize), { objectMode: false }), { inputType: format === 'webm' ? djs.StreamType.WebmOpus : djs.StreamType.OggOpus }));
        else {
          const r = djs.createAudioResource(Readable.from(chunked(bytes, chunkSize), { objectMode: false }), { inputType: djs.StreamType.Raw, inlineVolume: true });
          r.volume?.setVolume(0.5);
          p.play(r);
        }
        players.push(p);
      }, (i * 1000) / N);
    });
  };
  stop = () => players.forEach((p) => p.stop(true));
}

await new Promise((r) => setTimeout(r, 1_000));
const idle = mem();
send({ type: 'idle', perConnection: { rss: (idle.rss - m0.rss) / N, heap: (idle.heap - m0.heap) / N, external: (idle.external - m0.external) / N, arrayBuffers: (idle.arrayBuffers - m0.arrayBuffers) / N } });
await wait('go');
start();
// Measure after every stream has started (1 s of staggered starts, plus 1 s).
await new Promise((r) => setTimeout(r, 2_000));
startRecording();
const gcs = { count: 0, major: 0, pauseMs: 0 };
// only collections that started inside the window count: the probe's own analysis after it (stopRecording sorts
// every packet's lateness) collects too, and its entries arrive later
const gcWindow = { from: Infinity, to: Infinity };
let gcObserver: { disconnect(): void } | null = null;
try {
  const { PerformanceObserver, constants } = await import('node:perf_hooks');
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if (e.startTime < gcWindow.from || e.startTime >= gcWindow.to) continue;
      gcs.count++;
      gcs.pauseMs += e.duration;
      if (((e as { detail?: { kind?: number } }).detail?.kind ?? 0) & constants.NODE_PERFORMANCE_GC_MAJOR) gcs.major++;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  gcObserver = observer;
} catch {
  // a runtime without GC entries (Bun): reported as n/a
}
const heap0 = process.memoryUsage().heapUsed;
const engine0 = engineStats?.() ?? null;
const cpu0 = process.cpuUsage();
const elu0 = performance.eventLoopUtilization?.();
const w0 = performance.now();
gcWindow.from = w0;
await new Promise((r) => setTimeout(r, seconds * 1000));
const cpu = process.cpuUsage(cpu0);
const elu = elu0 ? performance.eventLoopUtilization(elu0) : { utilization: NaN };
const elapsed = performance.now() - w0;
gcWindow.to = w0 + elapsed;
const sending = process.memoryUsage(); // before the probe's analysis allocates
const late = stopRecording();
const engine1 = engineStats?.() ?? null;
const engine = engine0 && engine1 ? { cycles: engine1.cycles - engine0.cycles, catchUpCycles: engine1.catchUpCycles - engine0.catchUpCycles, resets: engine1.resets - engine0.resets } : null;
await new Promise((r) => setTimeout(r, 50)); // the window's last GC entries are delivered asynchronously
gcObserver?.disconnect();
const gcReport = gcObserver ? { ...gcs, heapGrowth: sending.heapUsed - heap0 } : null;
stop();
send({ type: 'sent', mainThreadPercent: elu.utilization * 100, cpuPercent: ((cpu.user + cpu.system) / 1000 / elapsed) * 100, cpuMsPerPacket: (cpu.user + cpu.system) / 1000 / Math.max(1, late.packets), late, rssPerConnection: (sending.rss - m0.rss) / N, elapsedMs: elapsed, gc: gcReport, engine });
await wait('finish');
for (const c of conns) c.destroy();
gateway.close();
send({ type: 'done' });
setTimeout(() => process.exit(0), 300);
