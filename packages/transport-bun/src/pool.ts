/**
 * The shared socket pool on Bun (`createBunTransport({ udp: 'pool' })`): connections share unconnected
 * `Bun.udpSocket`s, at most one connection per remote voice server on a socket, so every (local, remote) pair
 * carries one session and IP discovery works per session. Received datagrams are routed to their connection by
 * remote address. The datagrams a socket's connections send in one turn of the event loop (one media cycle) go
 * out in one `sendMany`, which Bun sends with `sendmmsg(2)`.
 */
/// <reference path="./bun.d.ts" />
import { isUnicastAddress, QueuedUdpSocket, SharedSocketPool, type UdpHandlers } from '@voicewire/voice';

export interface BunPoolStats {
  /** Shared sockets open now, and connections on them. */
  sockets: number;
  connections: number;
  /** Datagrams from an address no connection on the socket talks to (dropped). */
  unroutable: number;
  /** sendMany calls, and the datagrams they carried. */
  batches: number;
  datagrams: number;
  /** Datagrams a full socket buffer refused (sendMany sent fewer than it was given). */
  dropped: number;
}

const remoteKey = (address: string, port: number): string => `${address}|${port}`;

/** 4 or 6 for a numeric IPv4 or IPv6 address, 0 for anything else (a name to look up). */
function ipFamily(host: string): 0 | 4 | 6 {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(host)) return host.split('.').every((x) => Number(x) <= 255) ? 4 : 0;
  return host.includes(':') && /^[0-9a-f:.]+$/i.test(host) ? 6 : 0;
}

class SharedBunSocket {
  socket: Bun.UdpSocket | null = null;
  readonly members = new Map<string, BunPooledUdpSocket>();
  broken: unknown = null;
  /** This turn's datagrams, flat as sendMany takes them, with who sent each. */
  private batch: (Uint8Array | number | string)[] = [];
  private senders: BunPooledUdpSocket[] = [];
  private scheduled = false;

  constructor(private readonly pool: BunUdpPool, readonly family: 4 | 6) {
    let pending: Promise<Bun.UdpSocket>;
    try {
      pending = Bun.udpSocket({
        hostname: family === 6 ? '::' : '0.0.0.0',
        socket: {
          data: (_s, data, port, address) => {
            const m = this.members.get(remoteKey(address, port));
            if (m) m.deliver(data);
            else pool.stats.unroutable++;
          },
          error: (_s, error) => {
            for (const m of [...this.members.values()]) m.sendFailed(error);
          },
        },
      });
    } catch (e) {
      this.broken = e;
      return;
    }
    pending.then(
      (s) => {
        if (this.members.size === 0) return s.close();
        this.socket = s;
        for (const m of [...this.members.values()]) m.socketReady();
      },
      (e: unknown) => {
        this.broken = e;
        for (const m of [...this.members.values()]) m.socketFailed(e);
      },
    );
  }

  queue(from: BunPooledUdpSocket, data: Uint8Array, port: number, host: string): void {
    this.batch.push(data, port, host);
    this.senders.push(from);
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(this.flush);
    }
  }

  get pending(): number {
    return this.senders.length;
  }

  readonly flush = (): void => {
    this.scheduled = false;
    const batch = this.batch;
    const senders = this.senders;
    if (senders.length === 0) return;
    this.batch = [];
    this.senders = [];
    const s = this.socket;
    if (!s) return;
    this.pool.stats.batches++;
    this.pool.stats.datagrams += senders.length;
    let sent: number;
    try {
      sent = s.sendMany(batch);
    } catch {
      // one bad destination fails the whole call: send them one by one, so only its own connection hears of it
      sent = senders.length;
      for (let i = 0; i < senders.length; i++) {
        try {
          s.send(batch[i * 3] as Uint8Array, batch[i * 3 + 1] as number, batch[i * 3 + 2] as string);
        } catch (e) {
          (senders[i] as BunPooledUdpSocket).sendFailed(e);
        }
      }
    }
    if (sent < senders.length) this.pool.stats.dropped += senders.length - sent;
  };

  close(): void {
    this.flush();
    try {
      this.socket?.close();
    } catch {
      // already closed
    }
    this.socket = null;
  }
}

/** The Bun pool: shared unconnected sockets under the common placement rule (SharedSocketPool). */
export class BunUdpPool {
  readonly stats: BunPoolStats = { sockets: 0, connections: 0, unroutable: 0, batches: 0, datagrams: 0, dropped: 0 };
  readonly sockets: SharedSocketPool<BunPooledUdpSocket, SharedBunSocket>;

  constructor(perSocket: number) {
    this.sockets = new SharedSocketPool(perSocket, this.stats, (family) => new SharedBunSocket(this, family), (s) => s.close());
  }
}

/** A connection's share of a pool socket. Nothing here throws: failures are reported through onError. */
export class BunPooledUdpSocket extends QueuedUdpSocket {
  private shared: SharedBunSocket | null = null;
  private key = '';
  private host = '';

  constructor(host: string, private readonly port: number, handlers: UdpHandlers, queueLimit: number, private readonly pool: BunUdpPool) {
    super(handlers, queueLimit);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      queueMicrotask(() => this.report(new RangeError(`UDP port ${port} is outside 1–65535`), true));
      return;
    }
    if (ipFamily(host)) {
      queueMicrotask(() => this.attach(host));
      return;
    }
    // one lookup per connection, never one per datagram
    let pending: Promise<{ address: string }[]>;
    try {
      pending = Bun.dns.lookup(host);
    } catch (e) {
      queueMicrotask(() => this.report(e, true));
      return;
    }
    pending.then(
      (found) => (found[0] ? this.attach(found[0].address) : this.report(new Error(`${host} has no address`), true)),
      (e: unknown) => this.report(e, true),
    );
  }

  private attach(address: string): void {
    if (this.closed) return;
    const family = ipFamily(address);
    if (family === 0) return this.report(new Error(`${address} is not an IP address`), true);
    const canonical = family === 6 ? address.toLowerCase() : address;
    if (!isUnicastAddress(canonical, family)) return this.report(new Error(`${canonical} is not a unicast address: no voice server listens there`), true);
    this.host = canonical;
    this.key = remoteKey(canonical, this.port);
    this.shared = this.pool.sockets.join(this, family, this.key);
    if (this.shared.broken) this.socketFailed(this.shared.broken);
    else if (this.shared.socket) this.connected();
  }

  socketReady(): void {
    this.connected();
  }

  socketFailed(e: unknown): void {
    this.report(e, true);
  }

  sendFailed(e: unknown): void {
    this.report(e, false);
  }

  deliver(data: Uint8Array): void {
    if (!this.closed) this.handlers.onMessage(data);
  }

  protected write(data: Uint8Array): void {
    this.shared?.queue(this, data, this.port, this.host);
  }

  override close(): void {
    // what this connection queued goes out before it leaves (and perhaps closes) its shared socket
    if (!this.closed && this.shared && this.shared.pending > 0) this.shared.flush();
    super.close();
  }

  protected release(): void {
    if (this.shared) this.pool.sockets.leave(this.shared, this.key, this);
    this.shared = null;
  }
}
