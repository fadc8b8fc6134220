/**
 * Batched UDP sends: every datagram sent in one turn of the event loop (one media cycle sends one packet per
 * stream, all in one timer callback) waits in a list, and the list goes out in one call to @voicewire/udp-native
 * at the end of the turn (a microtask): `sendmmsg(2)` per socket, so the datagrams of one socket leave in one
 * syscall, and one crossing from JavaScript into native code per turn instead of one per datagram.
 *
 * The batcher owns no sockets. Each datagram names its owner (a transport socket), which hears what became of it:
 * a full socket buffer (EAGAIN) hands it back to be sent through node:dgram (which queues it), any other error
 * is reported to that owner alone. An owner that closes flushes first, so nothing it sent is lost and no
 * descriptor is used after its socket closed.
 */
import { constants } from 'node:os';
import type { UdpNativeBinding } from '@voicewire/udp-native';

export interface BatchOwner {
  /** The socket's descriptor now, or -1 once it closed. */
  fd(): number;
  /** The socket buffer was full: send this datagram the ordinary way (node:dgram queues it). */
  retry(data: Uint8Array, address: Uint8Array | undefined): void;
  /** The kernel refused this datagram (a negative errno: ECONNREFUSED after an ICMP unreachable, EMSGSIZE…). */
  failed(errno: number): void;
}

export interface BatchStats {
  /** Native calls made (one per event-loop turn that sent anything). */
  batches: number;
  datagrams: number;
  /** send syscalls the native calls made: datagrams ÷ syscalls is the batching achieved. */
  syscalls: number;
  /** datagrams handed back because a socket's buffer was full */
  retried: number;
  /** datagrams the kernel refused (reported to their owner) */
  failed: number;
  /** datagrams dropped because their socket had closed before the batch went out */
  dropped: number;
}

const errnoNames = new Map<number, string>(Object.entries(constants.errno).map(([name, n]) => [n, name]));
/** `ECONNREFUSED` for -111, and so on. */
export const errnoName = (negative: number): string => errnoNames.get(-negative) ?? `errno ${-negative}`;

export class UdpBatcher {
  readonly stats: BatchStats = { batches: 0, datagrams: 0, syscalls: 0, retried: 0, failed: 0, dropped: 0 };
  private fds = new Int32Array(256);
  private results = new Int32Array(256);
  private readonly datagrams: Uint8Array[] = [];
  private readonly addresses: (Uint8Array | undefined)[] = [];
  private readonly owners: BatchOwner[] = [];
  private count = 0;
  private anyAddress = false;
  private scheduled = false;

  constructor(private readonly native: UdpNativeBinding) {}

  /** Queues one datagram for the end of this turn (to the owner's connected peer when `address` is undefined). */
  add(owner: BatchOwner, data: Uint8Array, address?: Uint8Array): void {
    if (this.count >= this.native.maxBatch) this.flush();
    else if (this.count === this.fds.length) this.grow();
    const i = this.count++;
    this.fds[i] = owner.fd();
    this.datagrams[i] = data;
    this.addresses[i] = address;
    if (address) this.anyAddress = true;
    this.owners[i] = owner;
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(this.flush);
    }
  }

  /** Datagrams waiting for the end of this turn. */
  get pending(): number {
    return this.count;
  }

  private grow(): void {
    const size = Math.min(this.native.maxBatch, this.fds.length * 2);
    const fds = new Int32Array(size);
    fds.set(this.fds);
    this.fds = fds;
    this.results = new Int32Array(size);
  }

  /** Sends what is waiting now (also called by an owner about to close). Never throws. */
  readonly flush = (): void => {
    this.scheduled = false;
    const n = this.count;
    if (n === 0) return;
    // Take the batch out first: an owner told of a failure may close (and flush) or send again.
    this.count = 0;
    const owners = this.owners.splice(0, n);
    const datagrams = this.datagrams.splice(0, n);
    const addresses = this.addresses.splice(0, n);
    const anyAddress = this.anyAddress;
    this.anyAddress = false;
    // A descriptor read when the datagram was queued is checked again: its socket may have closed since.
    const fds = this.fds;
    for (let i = 0; i < n; i++) if ((owners[i] as BatchOwner).fd() !== fds[i]) fds[i] = -1;
    const results = this.results;
    results.fill(0, 0, n);
    let calls: number;
    try {
      calls = this.native.sendBatch(fds, datagrams, n, results, anyAddress ? addresses : undefined);
    } catch {
      calls = -1; // the add-on never throws; if it ever does, every datagram is sent the ordinary way
    }
    this.stats.batches++;
    this.stats.datagrams += n;
    if (calls < 0) {
      for (let i = 0; i < n; i++) results[i] = -this.native.EAGAIN;
    } else {
      this.stats.syscalls += calls;
    }
    // Results are read into a list before any owner hears of them: an owner that closes or sends again reuses `fds` and `results`.
    let outcomes: { owner: BatchOwner; i: number; r: number; closed: boolean }[] | null = null;
    for (let i = 0; i < n; i++) {
      const r = results[i] as number;
      if (r >= 0) continue;
      (outcomes ??= []).push({ owner: owners[i] as BatchOwner, i, r, closed: fds[i] === -1 });
    }
    if (!outcomes) return;
    for (const { owner, i, r, closed } of outcomes) {
      if (closed) {
        this.stats.dropped++; // its socket closed before the batch went out
      } else if (r === -this.native.EAGAIN) {
        this.stats.retried++;
        try {
          owner.retry(datagrams[i] as Uint8Array, addresses[i]);
        } catch {
          // the owner reports its own send failures
        }
      } else {
        this.stats.failed++;
        try {
          owner.failed(r);
        } catch {
          // an owner's handler that throws must not stop the others hearing theirs
        }
      }
    }
  };
}
