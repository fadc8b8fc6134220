// The floor, measured in the same run as the libraries: N bare connected UDP sockets (node:dgram, or Bun's
// connected udpSocket), each sending one 20 ms packet per tick of one shared clock, and for every packet what a
// voice client cannot avoid: a DAVE frame encryption (davey, in a real two-member MLS group) and the fastest
// transport seal (sodium XChaCha20-Poly1305, in place). Nothing else: no session, no player, no timers per socket.
// Each socket has its own DAVE session, as each connection of a client is in its own MLS group: one session shared
// by every socket kept its keys hot in cache and put the floor 2–4 µs a packet below what N connections cost
// (BENCH_FLOOR_DAVE=shared measures it that way).
// BENCH_FLOOR_SEND=pool: the floor of the shared socket pool (issue 27) — stream i talks to remote i % R over shared
// unconnected sockets (one stream per remote on each), and a tick's datagrams leave in one @voicewire/udp-native
// call (sendmmsg per socket) on Node, or one sendMany per socket on Bun.
import { createSocket, type Socket } from 'node:dgram';
import { sodiumProvider } from '@voicewire/crypto-sodium';
import { readyDaveSession } from './dave-group.js';
import { TransportCipher, TransportMode, writeOpusRtpHeader } from '@voicewire/voice-protocol';
import { pacedWindow } from './harness.js';

const [nArg, secondsArg, portsArg] = process.argv.slice(2);
const N = Number(nArg);
const seconds = Number(secondsArg);
const ports = (portsArg as string).split(',').map(Number);
const R = ports.length;
const pool = process.env.BENCH_FLOOR_SEND === 'pool';
const isBun = 'Bun' in globalThis;

// Ready DAVE sessions: two members, the external sender's Add proposal, commit (as the emulator does).
const shared = process.env.BENCH_FLOOR_DAVE === 'shared';
const daves = Array.from({ length: shared ? 1 : N }, () => readyDaveSession());

const frame = Buffer.from(new Uint8Array(160).map((_, i) => (i * 7 + 0xfc) & 0xff));
const cipher = new TransportCipher(sodiumProvider, TransportMode.XChaCha, new Uint8Array(32).fill(7));
const packet = new Uint8Array(12 + 400);
type Sender = (data: Uint8Array) => void;
const senders: Sender[] = [];
/** pool: called once per tick, after every stream's datagram was handed to its sender */
let flush = (): void => {};
if (pool) {
  const sockets = Math.ceil(N / R);
  if (isBun) {
    type Unconnected = { sendMany(p: unknown[]): number };
    const B = (globalThis as unknown as { Bun: { udpSocket(o: unknown): Promise<Unconnected> } }).Bun;
    const shared = await Promise.all(Array.from({ length: sockets }, () => B.udpSocket({ socket: { data() {} } })));
    const batches: unknown[][] = shared.map(() => []);
    for (let i = 0; i < N; i++) {
      const b = batches[Math.floor(i / R)] as unknown[];
      const p = ports[i % R] as number;
      senders.push((d) => void b.push(d, p, '127.0.0.1'));
    }
    flush = () => {
      for (let k = 0; k < sockets; k++) {
        (shared[k] as Unconnected).sendMany(batches[k] as unknown[]);
        (batches[k] as unknown[]).length = 0;
      }
    };
  } else {
    const { loadUdpNative } = await import('@voicewire/udp-native');
    const load = loadUdpNative();
    if (!load.loaded) throw new Error(load.reason);
    const native = load.binding;
    const shared: Socket[] = [];
    for (let k = 0; k < sockets; k++) {
      const s = createSocket('udp4');
      await new Promise<void>((res) => s.bind(0, '0.0.0.0', () => res()));
      shared.push(s);
    }
    const fdOf = (s: Socket): number => {
      const sym = Object.getOwnPropertySymbols(s).find((x) => x.description === 'state symbol') as symbol;
      return (s as unknown as Record<symbol, { handle: { fd: number } }>)[sym]!.handle.fd;
    };
    const fds = Int32Array.from({ length: N }, (_, i) => fdOf(shared[Math.floor(i / R)] as Socket));
    const addresses = Array.from({ length: N }, (_, i) => native.address('127.0.0.1', ports[i % R] as number) as Uint8Array);
    const datagrams: Uint8Array[] = new Array(N);
    const results = new Int32Array(N);
    for (let i = 0; i < N; i++) senders.push((d) => void (datagrams[i] = d));
    flush = () => void native.sendBatch(fds, datagrams, N, results, addresses);
  }
} else if (isBun) {
  const B = (globalThis as unknown as { Bun: { udpSocket(o: unknown): Promise<{ send(d: Uint8Array): boolean }> } }).Bun;
  for (let i = 0; i < N; i++) {
    const s = await B.udpSocket({ connect: { hostname: '127.0.0.1', port: ports[i % R] }, socket: { data() {} } });
    senders.push((d) => void s.send(d));
  }
} else {
  const socks: Socket[] = [];
  for (let i = 0; i < N; i++) {
    const s = createSocket('udp4');
    await new Promise<void>((res) => s.connect(ports[i % R] as number, '127.0.0.1', () => res()));
    socks.push(s);
    senders.push((d) => s.send(d));
  }
}
const seq = new Uint16Array(N);
function tick(): void {
  for (let i = 0; i < N; i++) {
    const enc = (daves[shared ? 0 : i] as (typeof daves)[number]).encryptOpus(frame);
    const s = (seq[i] = (seq[i]! + 1) & 0xffff);
    writeOpusRtpHeader(packet, 0, s, s * 960, 1000 + i);
    packet.set(enc, 12);
    senders[i]!(packet.slice(0, cipher.sealInPlace(packet, 12, enc.length, s)));
  }
  flush();
}
// every tick sends one packet per socket: packets in the window = ticks × N
const w = await pacedWindow(seconds, tick);
const ms = (w.user + w.system) / 1000;
const packets = w.ticks * N;
process.send?.({ type: 'floor', cpuPercent: (ms / w.elapsedMs) * 100, usPerPacket: (ms * 1000) / packets, packets });
setTimeout(() => process.exit(0), 100);
