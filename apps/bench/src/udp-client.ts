// One row of `npm run bench udp`: N streams each sending one 200-byte datagram per 20 ms tick of one shared clock,
// through one send path, and nothing else (no DAVE, no seal): the send stage alone, in µs of this process's CPU per
// datagram (user + system: on loopback the sender's syscall also delivers the datagram). Paths:
//   node-dgram     N connected node:dgram sockets, one send() each (the runtime's floor today)
//   node-batched   the same sockets, one @voicewire/udp-native call per tick (sendmmsg per socket: 1 datagram each)
//   node-pool      N streams over R remotes on shared unconnected sockets, one native call per tick (sendmmsg per socket)
//   bun-send       N connected Bun sockets, one send() each
//   bun-sendmany   N streams over R remotes on shared unconnected Bun sockets, one sendMany() per socket per tick
import { createSocket, type Socket } from 'node:dgram';
import { pacedWindow } from './harness.js';

const [path, nArg, secondsArg, portsArg] = process.argv.slice(2) as [string, string, string, string];
const N = Number(nArg);
const seconds = Number(secondsArg);
const ports = portsArg.split(',').map(Number);
const R = ports.length;
const datagram = new Uint8Array(200).fill(0x5a);
let tick: () => void;

function stateFd(s: Socket): number {
  const sym = Object.getOwnPropertySymbols(s).find((x) => x.description === 'state symbol') as symbol;
  return (s as unknown as Record<symbol, { handle: { fd: number } }>)[sym]!.handle.fd;
}

if (path === 'node-dgram' || path === 'node-batched') {
  const socks: Socket[] = [];
  for (let i = 0; i < N; i++) {
    const s = createSocket('udp4');
    await new Promise<void>((res) => s.connect(ports[i % R] as number, '127.0.0.1', () => res()));
    socks.push(s);
  }
  if (path === 'node-dgram') {
    tick = () => {
      for (const s of socks) s.send(datagram);
    };
  } else {
    const { loadUdpNative } = await import('@voicewire/udp-native');
    const load = loadUdpNative();
    if (!load.loaded) throw new Error(load.reason);
    const fds = Int32Array.from(socks.map(stateFd));
    const list = socks.map(() => datagram);
    const results = new Int32Array(N);
    tick = () => {
      load.binding.sendBatch(fds, list, N, results);
    };
  }
} else if (path === 'node-pool') {
  const { loadUdpNative } = await import('@voicewire/udp-native');
  const load = loadUdpNative();
  if (!load.loaded) throw new Error(load.reason);
  // stream i talks to remote i % R; shared socket k carries streams k·R … k·R + R − 1 (one per remote)
  const shared: Socket[] = [];
  for (let k = 0; k < Math.ceil(N / R); k++) {
    const s = createSocket('udp4');
    await new Promise<void>((res) => s.bind(0, '0.0.0.0', () => res()));
    shared.push(s);
  }
  const fds = Int32Array.from({ length: N }, (_, i) => stateFd(shared[Math.floor(i / R)] as Socket));
  const addrs = Array.from({ length: N }, (_, i) => load.binding.address('127.0.0.1', ports[i % R] as number) as Uint8Array);
  const list = addrs.map(() => datagram);
  const results = new Int32Array(N);
  tick = () => {
    load.binding.sendBatch(fds, list, N, results, addrs);
  };
} else if (path === 'bun-send' || path === 'bun-sendmany') {
  type BunSocket = { send(d: Uint8Array, port?: number, host?: string): boolean; sendMany(p: unknown[]): number };
  const B = (globalThis as unknown as { Bun: { udpSocket(o: unknown): Promise<BunSocket> } }).Bun;
  if (path === 'bun-send') {
    const socks: BunSocket[] = [];
    for (let i = 0; i < N; i++) socks.push(await B.udpSocket({ connect: { hostname: '127.0.0.1', port: ports[i % R] }, socket: { data() {} } }));
    tick = () => {
      for (const s of socks) s.send(datagram);
    };
  } else {
    const shared: { s: BunSocket; packets: unknown[] }[] = [];
    for (let k = 0; k < Math.ceil(N / R); k++) {
      const s = await B.udpSocket({ socket: { data() {} } });
      const packets: unknown[] = [];
      for (let i = k * R; i < Math.min(N, (k + 1) * R); i++) packets.push(datagram, ports[i % R], '127.0.0.1');
      shared.push({ s, packets });
    }
    tick = () => {
      for (const { s, packets } of shared) s.sendMany(packets);
    };
  }
} else {
  throw new Error(`unknown path ${path}`);
}

const w = await pacedWindow(seconds, tick);
const datagrams = w.ticks * N;
process.send?.({ type: 'udp', usPerDatagram: (w.user + w.system) / datagrams, cpuPercent: ((w.user + w.system) / 1000 / w.elapsedMs) * 100, datagrams, sentInAll: w.allTicks * N });
setTimeout(() => process.exit(0), 100);
