// The add-on's argument checking and per-datagram results, against real sockets on loopback. Whatever it is
// given — wrong types, detached buffers, getters that run JavaScript mid-call, descriptors that are not sockets,
// huge batches — it returns a value and the process goes on (a crash would take this test worker with it).
import { createSocket, type Socket } from 'node:dgram';
import { closeSync, openSync } from 'node:fs';
import { constants } from 'node:os';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '@voicewire/testkit';
import { loadUdpNative, type UdpNativeBinding } from '../src/index.js';

const load = loadUdpNative();
const E = constants.errno;

function descriptorOf(s: Socket): number {
  const sym = Object.getOwnPropertySymbols(s).find((x) => x.description === 'state symbol') as symbol;
  return (s as unknown as Record<symbol, { handle: { fd: number } }>)[sym]!.handle.fd;
}

let native: UdpNativeBinding;
let sink: Socket;
let sinkPort: number;
const received: Buffer[] = [];
let sender: Socket;
let senderFd: number;

beforeAll(async () => {
  if (!load.loaded) throw new Error(`the add-on must build on this machine: ${load.reason}`);
  native = load.binding;
  sink = createSocket('udp4');
  sink.on('message', (m) => received.push(m));
  await new Promise<void>((r) => sink.bind(0, '127.0.0.1', () => r()));
  sinkPort = (sink.address() as { port: number }).port;
  sender = createSocket('udp4');
  await new Promise<void>((r) => sender.bind(0, '127.0.0.1', () => r()));
  senderFd = descriptorOf(sender);
});
afterAll(() => {
  sink?.close();
  sender?.close();
});

describe('@voicewire/udp-native', () => {
  it('loads and says which syscall it uses', () => {
    expect(load.loaded).toBe(true);
    expect(native.syscall).toBe(process.platform === 'linux' ? 'sendmmsg' : 'sendto');
    expect(native.maxBatch).toBe(65536);
  });

  it('sends a batch to several addresses on one socket in one syscall, each datagram intact and in order', async () => {
    received.length = 0;
    const to = native.address('127.0.0.1', sinkPort) as Uint8Array;
    const datagrams = Array.from({ length: 64 }, (_, i) => Uint8Array.of(i, 0xaa, i ^ 0xff));
    const results = new Int32Array(64);
    const calls = native.sendBatch(new Int32Array(64).fill(senderFd), datagrams, 64, results, datagrams.map(() => to));
    expect(calls).toBe(process.platform === 'linux' ? 1 : 64);
    expect([...results]).toEqual(datagrams.map(() => 3));
    await until(() => received.length === 64, 5_000, '64 datagrams at the sink');
    expect(received.map((m) => m[0])).toEqual(datagrams.map((_, i) => i));
    expect([...(received[9] as Buffer)]).toEqual([9, 0xaa, 9 ^ 0xff]);
  });

  it('groups datagrams by descriptor, whatever their order, and keeps each descriptor\'s order', async () => {
    received.length = 0;
    const other = createSocket('udp4');
    await new Promise<void>((r) => other.bind(0, '127.0.0.1', () => r()));
    try {
      const otherFd = descriptorOf(other);
      const to = native.address('127.0.0.1', sinkPort) as Uint8Array;
      const fds = Int32Array.from({ length: 10 }, (_, i) => (i % 2 ? otherFd : senderFd));
      const datagrams = Array.from({ length: 10 }, (_, i) => Uint8Array.of(i));
      const results = new Int32Array(10);
      expect(native.sendBatch(fds, datagrams, 10, results, datagrams.map(() => to))).toBe(process.platform === 'linux' ? 2 : 10);
      expect([...results]).toEqual(Array(10).fill(1));
      await until(() => received.length === 10, 5_000, '10 datagrams');
      const evens = received.map((m) => m[0] as number).filter((v) => v % 2 === 0);
      const odds = received.map((m) => m[0] as number).filter((v) => v % 2 === 1);
      expect(evens).toEqual([0, 2, 4, 6, 8]);
      expect(odds).toEqual([1, 3, 5, 7, 9]);
    } finally {
      other.close();
    }
  });

  it('reports each bad datagram in its own slot and still sends the good ones', async () => {
    received.length = 0;
    const to = native.address('127.0.0.1', sinkPort) as Uint8Array;
    const file = openSync(new URL(import.meta.url), 'r');
    const closedSocket = createSocket('udp4');
    await new Promise<void>((r) => closedSocket.bind(0, '127.0.0.1', () => r()));
    const closedFd = descriptorOf(closedSocket);
    closedSocket.close();
    try {
      const detached = new Uint8Array(8);
      structuredClone(detached.buffer, { transfer: [detached.buffer] }); // detaches it
      const cases: [number, unknown, unknown, number][] = [
        [senderFd, Uint8Array.of(1), to, 1],
        [senderFd, 'not bytes', to, -E.EINVAL],
        [senderFd, new Uint16Array(2), to, -E.EINVAL],
        [senderFd, detached, to, detached.length === 0 ? 0 : -E.EINVAL],
        [senderFd, new Uint8Array(70_000), to, -E.EMSGSIZE],
        [senderFd, Uint8Array.of(2), Uint8Array.of(1, 2, 3), -E.EINVAL], // not an address from address()
        [senderFd, Uint8Array.of(3), 42, -E.EINVAL],
        [-1, Uint8Array.of(4), to, -E.EBADF],
        [file, Uint8Array.of(5), to, -E.ENOTSOCK],
        [senderFd, Uint8Array.of(6), to, 1],
      ];
      const results = new Int32Array(cases.length);
      const r = native.sendBatch(Int32Array.from(cases.map((c) => c[0])), cases.map((c) => c[1]) as Uint8Array[], cases.length, results, cases.map((c) => c[2]) as Uint8Array[]);
      expect(r).toBeGreaterThanOrEqual(1);
      // an empty detached view sends an empty datagram or is refused; either way it is a value, not a crash
      expect([...results].filter((_, i) => i !== 3)).toEqual(cases.filter((_, i) => i !== 3).map((c) => c[3]));
      await until(() => received.some((m) => m[0] === 6), 5_000, 'the last good datagram');
      expect(received.filter((m) => m.length === 1).map((m) => m[0])).toEqual([1, 6]);
      // a descriptor closed before the call: EBADF (nothing else holds it here)
      const res = new Int32Array(1);
      native.sendBatch(Int32Array.of(closedFd), [Uint8Array.of(7)], 1, res, [to]);
      expect(res[0]! < 0).toBe(true);
    } finally {
      closeSync(file);
    }
  });

  it('refuses malformed arguments as a whole with a negative value, sending nothing', () => {
    const ok = [Uint8Array.of(1)];
    const fds = Int32Array.of(senderFd);
    const res = new Int32Array(1);
    const bad: unknown[][] = [
      [],
      [fds],
      [fds, ok, 1],
      [[senderFd], ok, 1, res],
      [new Uint32Array(1), ok, 1, res],
      [fds, 'x', 1, res],
      [fds, ok, -1, res],
      [fds, ok, 0.5, res],
      [fds, ok, Number.NaN, res],
      [fds, ok, 2, res], // count beyond the arrays
      [fds, ok, 1, new Int32Array(0)],
      [fds, ok, 1, res, 'not an array'],
      [fds, ok, 1, res, []],
      [fds, ok, 1e9, res],
    ];
    for (const args of bad) {
      const r = (native.sendBatch as (...a: unknown[]) => number)(...args);
      expect(r, `sendBatch(${args.map((a) => Object.prototype.toString.call(a)).join(', ')})`).toBeLessThan(0);
    }
    expect(native.sendBatch(fds, ok, 1e9, res)).toBe(-E.E2BIG);
  });

  it('survives getters that throw or detach buffers while it reads the list', async () => {
    received.length = 0;
    const to = native.address('127.0.0.1', sinkPort) as Uint8Array;
    const victim = new Uint8Array(4).fill(9);
    const list: Uint8Array[] = [Uint8Array.of(1), victim, Uint8Array.of(2), Uint8Array.of(3)];
    Object.defineProperty(list, 2, {
      get() {
        structuredClone(victim.buffer, { transfer: [victim.buffer] }); // detach an element already read
        return Uint8Array.of(2);
      },
    });
    Object.defineProperty(list, 3, {
      get() {
        throw new Error('a getter that throws');
      },
    });
    const fdsBuf = new Int32Array(4).fill(senderFd);
    const res = new Int32Array(4);
    const r = native.sendBatch(fdsBuf, list, 4, res, [to, to, to, to]);
    expect(r).toBeGreaterThanOrEqual(1);
    expect(res[0]).toBe(1);
    expect(res[1]! <= 0).toBe(true); // detached before any pointer was taken: empty or refused, never freed memory
    expect(res[2]).toBe(1);
    expect(res[3]).toBe(-E.EINVAL);
    await until(() => received.filter((m) => m.length === 1).length === 2, 5_000, 'the two good datagrams');
  });

  it('takes a batch of 65,536 and refuses one of 65,537', () => {
    const n = 65_536;
    const closed = -1; // nothing is sent: every slot is EBADF, but the whole batch is checked and answered
    const res = new Int32Array(n);
    const one = Uint8Array.of(0);
    expect(native.sendBatch(new Int32Array(n).fill(closed), new Array(n).fill(one), n, res)).toBe(0);
    expect(res.every((v) => v === -E.EBADF)).toBe(true);
    expect(native.sendBatch(new Int32Array(n + 1), new Array(n + 1).fill(one), n + 1, new Int32Array(n + 1))).toBe(-E.E2BIG);
  });

  it('address() accepts numeric IPv4 and IPv6 with a port in 1–65535, and nothing else', () => {
    expect(native.address('127.0.0.1', 50000)?.length).toBeGreaterThan(0);
    expect(native.address('::1', 1)?.length).toBeGreaterThan(0);
    for (const [ip, port] of [['localhost', 1], ['127.0.0.1', 0], ['127.0.0.1', 65536], ['127.0.0.1', 1.5], ['1.2.3', 1], ['x'.repeat(10_000), 1], [42, 1], ['127.0.0.1', '1']] as const)
      expect((native.address as (...a: unknown[]) => unknown)(ip, port)).toBeNull();
  });

  it('fuzz: random argument shapes never throw and never crash', () => {
    const value = fc.oneof(
      fc.constant(undefined),
      fc.constant(null),
      fc.integer(),
      fc.double(),
      fc.string(),
      fc.uint8Array({ maxLength: 8 }).map((a) => a),
      fc.int32Array({ maxLength: 4 }),
      fc.array(fc.oneof(fc.uint8Array({ maxLength: 4 }), fc.integer(), fc.constant(undefined)), { maxLength: 6 }),
      fc.constant(Int32Array.of(-1, -1, -1)),
    );
    fc.assert(
      fc.property(fc.array(value, { maxLength: 6 }), (args) => {
        const r = (native.sendBatch as (...a: unknown[]) => unknown)(...args);
        return typeof r === 'number' && Number.isInteger(r);
      }),
      { numRuns: 2_000 },
    );
  });
});
