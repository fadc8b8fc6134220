/**
 * The UDP side of the Node transport, in three modes:
 * - `socket`: one connected node:dgram socket per connection, one `send` per datagram (the default);
 * - `batched`: the same sockets, with each turn's datagrams sent in one native call ({@link UdpBatcher});
 * - `pool`: connections share unconnected sockets ({@link UdpPool}), at most one connection per remote address on a
 *   socket, so every (local, remote) pair still carries exactly one session and IP discovery works per session as
 *   before; received datagrams are routed to their connection by remote address, and with the add-on a socket's
 *   datagrams of one turn leave in one `sendmmsg`.
 * Nothing here throws: a failed connect, a bad address or a failed send is reported through `onError`.
 */
import { lookup } from 'node:dns';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { isIP, SocketAddress } from 'node:net';
import { isUnicastAddress, QueuedUdpSocket, SharedSocketPool, type UdpHandlers } from '@voicewire/voice';
import type { UdpNativeBinding } from '@voicewire/udp-native';
import { errnoName, type BatchOwner, type UdpBatcher } from './batcher.js';

let stateSymbol: symbol | null | undefined;
/**
 * The descriptor of a bound or connected dgram socket, or -1. dgram keeps its handle behind a symbol
 * (`socket._handle` is deprecated, with a warning); the handle's `fd` is the descriptor on Unix.
 */
export function descriptorOf(socket: Socket): number {
  if (stateSymbol === undefined) stateSymbol = Object.getOwnPropertySymbols(socket).find((s) => s.description === 'state symbol') ?? null;
  if (stateSymbol === null) return -1;
  const fd = (socket as unknown as Record<symbol, { handle?: { fd?: unknown } | null } | undefined>)[stateSymbol]?.handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : -1;
}

function sendError(errno: number): Error {
  const code = errnoName(errno);
  return Object.assign(new Error(`send failed: ${code}`), { code });
}

/** A connected dgram socket; with a batcher, its datagrams go out with the rest of the turn's. */
export class NodeUdpSocket extends QueuedUdpSocket implements BatchOwner {
  private socket: Socket | null = null;
  private descriptor = -1;

  constructor(host: string, port: number, handlers: UdpHandlers, queueLimit: number, private readonly batcher: UdpBatcher | null) {
    super(handlers, queueLimit);
    let connecting = true;
    try {
      const socket = createSocket({ type: isIP(host) === 6 ? 'udp6' : 'udp4' });
      this.socket = socket;
      socket.on('message', (msg: Buffer) => {
        if (!this.closed) handlers.onMessage(msg);
      });
      socket.on('error', (err: Error) => this.report(err, connecting));
      socket.connect(port, host, (err?: Error) => {
        if (err) return this.report(err, true);
        connecting = false;
        if (batcher) this.descriptor = descriptorOf(socket);
        this.connected();
      });
    } catch (e) {
      // port 0, a malformed address: the caller learns it as a failure, after this constructor returns
      queueMicrotask(() => this.report(e, true));
    }
  }

  fd(): number {
    return this.closed ? -1 : this.descriptor;
  }

  retry(data: Uint8Array): void {
    this.socket?.send(data);
  }

  failed(errno: number): void {
    this.report(sendError(errno), false);
  }

  protected write(data: Uint8Array): void {
    if (this.descriptor >= 0 && this.batcher) this.batcher.add(this, data);
    else this.socket?.send(data);
  }

  override close(): void {
    // what this socket queued in the batch goes out before its descriptor closes
    if (!this.closed && this.batcher && this.batcher.pending > 0) this.batcher.flush();
    super.close();
  }

  protected release(): void {
    this.socket?.close();
  }
}

export interface PoolStats {
  /** Shared sockets open now, and connections on them. */
  sockets: number;
  connections: number;
  /** Datagrams that arrived on a shared socket from an address no connection on it talks to (dropped). */
  unroutable: number;
}

const remoteKey = (address: string, port: number): string => `${address}|${port}`;

/** One shared unconnected socket of a pool and the connections on it, by remote address. */
class SharedSocket {
  readonly socket: Socket;
  readonly members = new Map<string, PooledUdpSocket>();
  fd = -1;
  bound = false;
  broken: Error | null = null;

  constructor(pool: UdpPool, readonly family: 4 | 6) {
    const socket = createSocket({ type: family === 6 ? 'udp6' : 'udp4' });
    this.socket = socket;
    socket.on('message', (msg: Buffer, rinfo: RemoteInfo) => {
      const m = this.members.get(remoteKey(rinfo.address, rinfo.port));
      if (m) m.deliver(msg);
      else pool.stats.unroutable++;
    });
    // Sends carry their own callbacks; what reaches 'error' is the socket itself failing (a bind that failed).
    socket.on('error', (err: Error) => {
      this.broken = err;
      for (const m of [...this.members.values()]) m.socketFailed(err);
    });
    socket.bind(0, family === 6 ? '::' : '0.0.0.0', () => {
      this.bound = true;
      this.fd = descriptorOf(socket);
      for (const m of [...this.members.values()]) m.socketReady();
    });
  }
}

/** The Node pool: shared unconnected dgram sockets under the common placement rule (SharedSocketPool). */
export class UdpPool {
  readonly stats: PoolStats = { sockets: 0, connections: 0, unroutable: 0 };
  readonly sockets: SharedSocketPool<PooledUdpSocket, SharedSocket>;

  constructor(perSocket: number, readonly batcher: UdpBatcher | null, readonly native: UdpNativeBinding | null) {
    this.sockets = new SharedSocketPool(perSocket, this.stats, (family) => new SharedSocket(this, family), (s) => s.socket.close());
  }
}

/** A connection's share of a pool socket. */
export class PooledUdpSocket extends QueuedUdpSocket implements BatchOwner {
  private shared: SharedSocket | null = null;
  private key = '';
  private host = '';
  private destination: Uint8Array | undefined;
  private readonly onSent = (err: Error | null): void => {
    if (err) this.report(err, false);
  };

  constructor(host: string, private readonly port: number, handlers: UdpHandlers, queueLimit: number, private readonly pool: UdpPool) {
    super(handlers, queueLimit);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      queueMicrotask(() => this.report(new RangeError(`UDP port ${port} is outside 1–65535`), true));
      return;
    }
    if (isIP(host)) {
      queueMicrotask(() => this.attach(host));
      return;
    }
    try {
      // one lookup per connection, never one per datagram
      lookup(host, (err, address) => {
        if (err) this.report(err, true);
        else this.attach(address);
      });
    } catch (e) {
      queueMicrotask(() => this.report(e, true));
    }
  }

  private attach(address: string): void {
    if (this.closed) return;
    const family = isIP(address) as 4 | 6;
    let canonical: string;
    try {
      // the form dgram reports a sender's address in, so replies find this connection
      canonical = new SocketAddress({ address, family: family === 6 ? 'ipv6' : 'ipv4' }).address;
    } catch (e) {
      return this.report(e, true);
    }
    if (!isUnicastAddress(canonical, family)) return this.report(new Error(`${canonical} is not a unicast address: no voice server listens there`), true);
    this.host = canonical;
    this.key = remoteKey(canonical, this.port);
    this.destination = this.pool.native?.address(canonical, this.port) ?? undefined;
    this.shared = this.pool.sockets.join(this, family, this.key);
    if (this.shared.broken) this.socketFailed(this.shared.broken);
    else if (this.shared.bound) this.connected();
  }

  /** The shared socket is bound: queued datagrams go out. */
  socketReady(): void {
    this.connected();
  }

  socketFailed(err: Error): void {
    this.report(err, true);
  }

  deliver(msg: Uint8Array): void {
    if (!this.closed) this.handlers.onMessage(msg);
  }

  fd(): number {
    return this.closed || !this.shared ? -1 : this.shared.fd;
  }

  retry(data: Uint8Array): void {
    this.shared?.socket.send(data, this.port, this.host, this.onSent);
  }

  failed(errno: number): void {
    this.report(sendError(errno), false);
  }

  protected write(data: Uint8Array): void {
    const s = this.shared;
    if (!s) return;
    const batcher = this.pool.batcher;
    if (batcher && this.destination && s.fd >= 0) batcher.add(this, data, this.destination);
    else s.socket.send(data, this.port, this.host, this.onSent);
  }

  override close(): void {
    if (!this.closed && this.pool.batcher && this.pool.batcher.pending > 0) this.pool.batcher.flush();
    super.close();
  }

  protected release(): void {
    if (this.shared) this.pool.sockets.leave(this.shared, this.key, this);
    this.shared = null;
  }
}
