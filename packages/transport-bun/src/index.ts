/**
 * voicewire's Bun transport: Bun's WebSocket for the voice gateway and a *connected* `Bun.udpSocket` for UDP.
 * Datagrams go out at once; the ones sent before the socket exists are flushed with one `sendMany`. (Deferring
 * sends on a connected socket to batch them saves nothing at one packet per 20 ms per socket, and a deferred queue
 * can overflow in a burst: measured, then removed.) Opt-in `udp: 'pool'` shares unconnected sockets across
 * connections to different voice servers, where a turn's datagrams do batch (pool.ts). No protocol logic.
 *
 * @module @voicewire/transport-bun
 */
/// <reference path="./bun.d.ts" />
import { describeSocketError, MAX_VOICE_GATEWAY_MESSAGE_BYTES, QueuedUdpSocket, trustedCertificates, type SocketFailure, type Transport, type TransportWebSocket, type UdpHandlers, type WebSocketHandlers } from '@voicewire/voice';
import { BunPooledUdpSocket, BunUdpPool, type BunPoolStats } from './pool.js';

export type { BunPoolStats } from './pool.js';

export interface BunTransportOptions {
  /** Extra trusted CA certificates (PEM) for `wss://`, e.g. the local voice server's. */
  readonly ca?: string | readonly string[];
  /** Datagrams queued while the socket is created; more are dropped. */
  readonly udpQueueLimit?: number;
  /** Largest voice gateway message accepted (bytes); a larger one closes the socket with 1009. Default 1 MiB. */
  readonly maxMessageBytes?: number;
  /**
   * `socket` (default): a connected socket per connection. `pool`: connections share unconnected sockets, at most
   * one connection per remote voice server on each (`poolSocketLimit` in all), with each socket's datagrams of one
   * turn in one `sendMany` (sendmmsg).
   */
  readonly udp?: 'socket' | 'pool';
  /** Connections on one shared socket in `pool` mode (default 256). */
  readonly poolSocketLimit?: number;
}

/** The Bun transport, with what it chose for UDP and the pool's counters. */
export interface BunTransport extends Transport {
  readonly udp: 'socket' | 'pool';
  describe(): string;
  udpStats(): { readonly pool: Readonly<BunPoolStats> | null };
}

const NOT_BUN = 'the Bun transport runs only on Bun; on Node use createNodeTransport() (or let voicewire choose: omit `transport`)';

class BunWebSocket implements TransportWebSocket {
  private readonly ws: WebSocket | null = null;
  private closed = false;
  private failure: SocketFailure | undefined;

  constructor(url: string, private readonly handlers: WebSocketHandlers, options: BunTransportOptions) {
    const limit = options.maxMessageBytes ?? MAX_VOICE_GATEWAY_MESSAGE_BYTES;
    try {
      // Bun's WebSocket takes TLS options as a second argument (a Bun extension to the web API).
      if (typeof Bun === 'undefined') throw new Error(NOT_BUN);
      const Ctor = WebSocket as unknown as new (url: string, options?: unknown) => WebSocket;
      // this transport's CAs and trustCertificate()'s, besides the system's
      const pems = [...(options.ca === undefined ? [] : typeof options.ca === 'string' ? [options.ca] : options.ca), ...trustedCertificates().pems];
      this.ws = new Ctor(url, pems.length > 0 ? { tls: { ca: pems.join('\n') } } : undefined);
    } catch (e) {
      this.failure = describeSocketError(e);
      queueMicrotask(() => this.finish(1006, ''));
      return;
    }
    const ws = this.ws;
    ws.binaryType = 'arraybuffer';
    ws.onopen = () => handlers.onOpen();
    ws.onmessage = (e: { data: unknown }) => {
      if (this.closed) return;
      const data = typeof e.data === 'string' ? e.data : new Uint8Array(e.data as ArrayBuffer);
      // Bun's client has no payload limit of its own: drop the socket before anything parses an oversized message.
      if ((typeof data === 'string' ? data.length : data.byteLength) > limit) {
        this.failure = { kind: 'too-large', message: `a voice gateway message over ${limit} bytes` };
        try {
          ws.close(1009);
        } catch {
          // closing anyway
        }
        return this.finish(1009, 'message too big');
      }
      handlers.onMessage(data);
    };
    ws.onclose = (e: { code: number; reason: string }) => this.finish(e.code, e.reason);
    ws.onerror = (e: unknown) => {
      // a close event follows; keep the cause (Bun puts the TLS or network error in `message`)
      const message = (e as { message?: unknown; error?: unknown })?.message ?? (e as { error?: unknown })?.error;
      if (message !== undefined && message !== '') this.failure ??= describeSocketError(message instanceof Error ? message : { message: String(message) });
    };
  }

  private finish(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.handlers.onClose(code, reason, this.failure);
  }

  send(data: string | Uint8Array): void {
    // The DOM typing wants an ArrayBuffer-backed view; the codecs never hand out SharedArrayBuffer views.
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(data as string | Uint8Array<ArrayBuffer>);
  }

  close(code: number): void {
    if (this.closed) return;
    this.closed = true;
    const ws = this.ws;
    if (ws && (ws.readyState === WebSocket.CONNECTING || ws.readyState === WebSocket.OPEN)) ws.close(code === 1000 || (code >= 3000 && code <= 4999) ? code : 1000);
  }
}

/** A connected Bun UDP socket. Nothing here throws: a failed connect or send is reported through onError. */
class BunUdpSocket extends QueuedUdpSocket {
  private socket: Bun.ConnectedUdpSocket | null = null;

  constructor(host: string, port: number, handlers: UdpHandlers, queueLimit: number) {
    super(handlers, queueLimit);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      queueMicrotask(() => this.report(new RangeError(`UDP port ${port} is outside 1–65535`), true));
      return;
    }
    let pending: Promise<Bun.ConnectedUdpSocket>;
    try {
      if (typeof Bun === 'undefined') throw new Error(NOT_BUN);
      pending = Bun.udpSocket({
        connect: { hostname: host, port },
        socket: {
          data: (_s, data) => {
            if (!this.closed) handlers.onMessage(data);
          },
          error: (_s, error) => this.report(error, false),
        },
      });
    } catch (e) {
      queueMicrotask(() => this.report(e, true));
      return;
    }
    pending.then(
      (s) => {
        if (this.closed) return s.close();
        this.socket = s;
        this.connected();
      },
      (e: unknown) => this.report(e, true),
    );
  }

  /** Datagrams queued before the socket existed go out in one sendMany. */
  protected override flush(queued: readonly Uint8Array[]): void {
    if (queued.length === 1) this.write(queued[0] as Uint8Array);
    else if (queued.length > 1) this.socket?.sendMany(queued);
  }

  protected write(data: Uint8Array): void {
    this.socket?.send(data);
  }

  protected release(): void {
    this.socket?.close();
  }
}

export function createBunTransport(options: BunTransportOptions = {}): BunTransport {
  const mode = options.udp ?? 'socket';
  if (mode !== 'socket' && mode !== 'pool') throw new TypeError(`udp must be 'socket' or 'pool'; got ${String(mode)}`);
  const perSocket = options.poolSocketLimit ?? 256;
  if (!Number.isInteger(perSocket) || perSocket < 1) throw new RangeError(`poolSocketLimit must be a positive integer; got ${perSocket}`);
  const pool = mode === 'pool' ? new BunUdpPool(perSocket) : null;
  const queueLimit = options.udpQueueLimit ?? 256;
  return {
    name: mode === 'socket' ? 'bun' : 'bun (udp: pool)',
    udp: mode,
    describe: () =>
      pool
        ? `a pool of shared Bun.udpSocket sockets (at most one connection per remote voice server on each, ${perSocket} in all), each socket's datagrams of a turn in one sendMany (sendmmsg)`
        : "Bun's udpSocket, a connected socket per connection",
    udpStats: () => ({ pool: pool ? { ...pool.stats } : null }),
    connectWebSocket: (url, handlers) => new BunWebSocket(url, handlers, options),
    connectUdp: (host, port, handlers) => (pool ? new BunPooledUdpSocket(host, port, handlers, queueLimit, pool) : new BunUdpSocket(host, port, handlers, queueLimit)),
  };
}

export const bunTransport: BunTransport = createBunTransport();
export default bunTransport;
