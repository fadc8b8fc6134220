// UdpBatcher against a scripted add-on: what each datagram's result makes the batcher do. The real add-on and
// real sockets are in udp-modes.test.ts.
import { describe, expect, it } from 'vitest';
import { constants } from 'node:os';
import type { UdpNativeBinding } from '@voicewire/udp-native';
import { UdpBatcher, errnoName, type BatchOwner } from '../src/batcher.js';

const { EAGAIN, ECONNREFUSED } = constants.errno;

function fakeNative(answer: (fd: number, data: Uint8Array, i: number) => number, calls: { fds: number[]; count: number }[] = []): UdpNativeBinding {
  return {
    sendBatch(fds, datagrams, count, results) {
      calls.push({ fds: [...fds.subarray(0, count)], count });
      for (let i = 0; i < count; i++) results[i] = answer(fds[i] as number, datagrams[i] as Uint8Array, i);
      return count;
    },
    address: () => null,
    syscall: 'sendmmsg',
    maxBatch: 4,
    EAGAIN,
  };
}

class Owner implements BatchOwner {
  open = true;
  retried: Uint8Array[] = [];
  failures: number[] = [];
  constructor(private readonly descriptor: number, private readonly onFail?: () => void) {}
  fd(): number {
    return this.open ? this.descriptor : -1;
  }
  retry(data: Uint8Array): void {
    this.retried.push(data);
  }
  failed(errno: number): void {
    this.failures.push(errno);
    this.onFail?.();
  }
}

// the batch goes out in a microtask at the end of the turn: setImmediate runs after it (no fixed wait)
const tick = () => new Promise<void>((r) => setImmediate(r));

describe('UdpBatcher', () => {
  it('sends everything queued in one turn in one call, at the end of the turn', async () => {
    const calls: { fds: number[]; count: number }[] = [];
    const b = new UdpBatcher(fakeNative(() => 1, calls));
    const a = new Owner(10);
    const c = new Owner(11);
    b.add(a, Uint8Array.of(1));
    b.add(c, Uint8Array.of(2));
    b.add(a, Uint8Array.of(3));
    expect(calls).toHaveLength(0); // nothing leaves before the turn ends
    expect(b.pending).toBe(3);
    await tick();
    expect(calls).toEqual([{ fds: [10, 11, 10], count: 3 }]);
    expect(b.stats).toMatchObject({ batches: 1, datagrams: 3, syscalls: 3, retried: 0, failed: 0, dropped: 0 });
  });

  it('hands a datagram back on EAGAIN and reports any other error to its owner alone', async () => {
    const b = new UdpBatcher(fakeNative((fd, d) => (fd === 1 ? -EAGAIN : d[0] === 9 ? -ECONNREFUSED : 1)));
    const full = new Owner(1);
    const refused = new Owner(2);
    const fine = new Owner(3);
    b.add(full, Uint8Array.of(5));
    b.add(refused, Uint8Array.of(9));
    b.add(fine, Uint8Array.of(1));
    b.flush();
    expect(full.retried.map((d) => d[0])).toEqual([5]);
    expect(refused.failures).toEqual([-ECONNREFUSED]);
    expect(fine.failures).toEqual([]);
    expect(fine.retried).toEqual([]);
    expect(b.stats).toMatchObject({ retried: 1, failed: 1 });
    expect(errnoName(-ECONNREFUSED)).toBe('ECONNREFUSED');
  });

  it('flushes early when the batch reaches the add-on\'s limit, and grows below it', async () => {
    const calls: { fds: number[]; count: number }[] = [];
    const b = new UdpBatcher(fakeNative(() => 1, calls)); // maxBatch 4
    const o = new Owner(7);
    for (let i = 0; i < 6; i++) b.add(o, Uint8Array.of(i));
    expect(calls.map((c) => c.count)).toEqual([4]);
    await tick();
    expect(calls.map((c) => c.count)).toEqual([4, 2]);
  });

  it('never uses the descriptor of a socket that closed after queueing (counted as dropped)', () => {
    const calls: { fds: number[]; count: number }[] = [];
    const b = new UdpBatcher(fakeNative((fd) => (fd < 0 ? -9 : 1), calls));
    const gone = new Owner(4);
    b.add(gone, Uint8Array.of(1));
    gone.open = false;
    b.flush();
    expect(calls[0]?.fds).toEqual([-1]);
    expect(gone.failures).toEqual([]);
    expect(b.stats.dropped).toBe(1);
  });

  it('an owner that sends again or flushes while hearing a failure does not disturb the batch being reported', () => {
    const calls: { fds: number[]; count: number }[] = [];
    let b: UdpBatcher;
    const later = new Owner(8);
    const first = new Owner(5, () => {
      b.add(later, Uint8Array.of(42));
      b.flush();
    });
    const second = new Owner(6);
    b = new UdpBatcher(fakeNative((fd) => (fd === 5 || fd === 6 ? -ECONNREFUSED : 1), calls));
    b.add(first, Uint8Array.of(1));
    b.add(second, Uint8Array.of(2));
    b.flush();
    expect(first.failures).toEqual([-ECONNREFUSED]);
    expect(second.failures).toEqual([-ECONNREFUSED]); // still told, after the re-entrant flush
    expect(calls.map((c) => c.fds)).toEqual([[5, 6], [8]]);
  });

  it('an add-on that throws sends the whole batch the ordinary way', () => {
    const native = fakeNative(() => 1);
    native.sendBatch = () => {
      throw new Error('boom');
    };
    const b = new UdpBatcher(native);
    const o = new Owner(3);
    b.add(o, Uint8Array.of(1));
    b.add(o, Uint8Array.of(2));
    expect(() => b.flush()).not.toThrow();
    expect(o.retried.map((d) => d[0])).toEqual([1, 2]);
  });
});
