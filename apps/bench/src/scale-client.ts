// One benchmark client process: N connections (one guild each, one bot user) joined through the emulator's main
// gateway, then one player broadcasting pre-encoded 20 ms Opus to all of them for a fixed time. Reports to the
// parent over IPC: join latency, idle RSS per connection, CPU % and RSS while sending, and the SSRCs.
import { Readable } from 'node:stream';
import { readFileSync } from 'node:fs';
import * as djs from '@discordjs/voice';
import { AudioPlayer, createFramesResource } from '@voicewire/audio';
import { sodiumProvider } from '@voicewire/crypto-sodium';
import { createNodeTransport } from '@voicewire/transport-node';
import { joinVoiceChannel, type VoiceConnection } from '@voicewire/voice';
import { connectEmulatorGateway } from '@voicewire/voice-server';

const [impl, nArg, secondsArg] = process.argv.slice(2);
const N = Number(nArg);
const seconds = Number(secondsArg);
const ca = readFileSync(process.env.BENCH_CA_FILE as string, 'utf8');
const frame = new Uint8Array(160).map((_, i) => (i * 7 + 0xfc) & 0xff);
frame[0] = 0xfc;
const wall = (): number => performance.timeOrigin + performance.now();
const send = (m: unknown): void => void process.send?.(m);

const gateway = await connectEmulatorGateway(process.env.BENCH_GATEWAY_URL as string, { ca, token: 'Bot voicewire-bench' });
const transport = createNodeTransport({ ca });
globalThis.gc?.();
const rss0 = process.memoryUsage().rss;
const guild = (i: number): string => String(100000000000000000n + BigInt(i));
const ssrcs: number[] = [];
const joinStarted: number[] = [];

type Handle = { ssrc: () => number; destroy(): void };
const handles: Handle[] = [];

async function joinOurs(i: number): Promise<Handle> {
  joinStarted[i] = wall();
  const c: VoiceConnection = joinVoiceChannel({ guildId: guild(i), channelId: guild(i + 1_000_000), adapterCreator: gateway.adapterCreator(guild(i)) as never, transport, crypto: sodiumProvider });
  let ssrc = 0;
  c.once('ready', (r) => (ssrc = r.ssrc));
  await c.ready({ timeoutMs: 60_000 });
  return { ssrc: () => ssrc, destroy: () => c.destroy(), ...{ conn: c } } as Handle & { conn: VoiceConnection };
}

async function joinDjs(i: number): Promise<Handle> {
  joinStarted[i] = wall();
  const c = djs.joinVoiceChannel({ guildId: guild(i), channelId: guild(i + 1_000_000), adapterCreator: gateway.adapterCreator(guild(i)) as never, selfDeaf: false });
  await djs.entersState(c, djs.VoiceConnectionStatus.Ready, 60_000);
  const ssrc = (): number => ((c.state as { networking?: { state: { connectionData?: { ssrc: number } } } }).networking?.state.connectionData?.ssrc ?? 0);
  return { ssrc, destroy: () => c.destroy(), ...{ conn: c } } as Handle & { conn: djs.VoiceConnection };
}

const join = impl === 'voicewire' ? joinOurs : joinDjs;
if (process.argv[5] === 'latency') {
  // Join latency: sequential joins, each sending its first frame the moment it is ready.
  for (let i = 0; i < N; i++) {
    const h = await join(i);
    if (impl === 'voicewire') (h as unknown as { conn: VoiceConnection }).conn.sendOpusFrame(frame);
    else {
      const player = djs.createAudioPlayer({ behaviors: { noSubscriber: djs.NoSubscriberBehavior.Play } });
      (h as unknown as { conn: djs.VoiceConnection }).conn.subscribe(player);
      player.play(djs.createAudioResource(Readable.from([Buffer.from(frame)], { objectMode: true }), { inputType: djs.StreamType.Opus }));
    }
    handles.push(h);
    await new Promise((r) => setTimeout(r, 100));
  }
  send({ type: 'latency', ssrcs: handles.map((h) => h.ssrc()), joinStarted });
  await new Promise<void>((resolve) => process.once('message', () => resolve()));
  for (const h of handles) h.destroy();
  gateway.close();
  send({ type: 'done' });
  setTimeout(() => process.exit(0), 200);
} else {
const t0 = wall();
for (let i = 0; i < N; i += 50) {
  const batch = await Promise.all(Array.from({ length: Math.min(50, N - i) }, (_, k) => join(i + k)));
  handles.push(...batch);
}
const joinAllMs = wall() - t0;
await new Promise((r) => setTimeout(r, 500));
globalThis.gc?.();
const rssIdle = process.memoryUsage().rss;
for (const h of handles) ssrcs.push(h.ssrc());
send({ type: 'joined', joinAllMs, idleBytesPerConnection: (rssIdle - rss0) / N, ssrcs, joinStarted });

// Send phase: one player broadcasting to every connection.
await new Promise<void>((resolve) => process.once('message', () => resolve()));
const cpu0 = process.cpuUsage();
const w0 = performance.now();
let stop: () => void;
if (impl === 'voicewire') {
  const player = new AudioPlayer({ progressEvery: 1_000_000 });
  for (const h of handles) player.subscribe((h as unknown as { conn: VoiceConnection }).conn);
  const frames = Array.from({ length: seconds * 50 + 100 }, () => frame);
  player.enqueue(createFramesResource(frames, 'bench'));
  stop = () => player.stop();
} else {
  const player = djs.createAudioPlayer({ behaviors: { noSubscriber: djs.NoSubscriberBehavior.Play } });
  for (const h of handles) (h as unknown as { conn: djs.VoiceConnection }).conn.subscribe(player);
  let n = 0;
  const stream = new Readable({ objectMode: true, read() { this.push(n++ < seconds * 50 + 100 ? Buffer.from(frame) : null); } });
  player.play(djs.createAudioResource(stream, { inputType: djs.StreamType.Opus }));
  stop = () => player.stop(true);
}
await new Promise((r) => setTimeout(r, seconds * 1000));
const cpu = process.cpuUsage(cpu0);
const elapsed = performance.now() - w0;
const rssSending = process.memoryUsage().rss;
stop();
send({ type: 'sent', cpuPercent: ((cpu.user + cpu.system) / 1000 / elapsed) * 100, rssPerConnection: (rssSending - rss0) / N });
await new Promise<void>((resolve) => process.once('message', () => resolve()));
for (const h of handles) h.destroy();
gateway.close();
send({ type: 'done' });
setTimeout(() => process.exit(0), 200);
}
