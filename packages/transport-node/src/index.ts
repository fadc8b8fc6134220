/**
 * voicewire's Node transport: `ws` for the voice WebSocket (text and binary frames) and node:dgram for UDP: a
 * *connected* socket per connection by default (connected sends skip the per-packet address lookup), or, opted
 * into with `udp`, batched sends through @voicewire/udp-native and a pool of shared sockets. No protocol logic here.
 *
 * @module @voicewire/transport-node
 */
import { createSecureContext, type SecureContext } from 'node:tls';
import WebSocket from 'ws';
import { loadUdpNative } from '@voicewire/udp-native';
import { describeSocketError, MAX_VOICE_GATEWAY_MESSAGE_BYTES, trustedCertificates, type SocketFailure, type Transport, type TransportWebSocket, type WebSocketHandlers } from '@voicewire/voice';
import { UdpBatcher, type BatchStats } from './batcher.js';
import { NodeUdpSocket, PooledUdpSocket, UdpPool, type PoolStats } from './udp.js';

export type { BatchStats } from './batcher.js';
export type { PoolStats } from './udp.js';

/**
 * How UDP datagrams leave the process.
 * - `socket` (default): one connected socket per connection, one `send` per datagram.
 * - `batched`: the same sockets; the datagrams sent in one turn of the event loop (one media cycle) go out in one
 *   native call (`sendmmsg` per socket) when @voicewire/udp-native loaded, else as `socket`.
 * - `pool`: connections share unconnected sockets, at most one connection per remote voice server on a socket
 *   (`poolSocketLimit` connections in all), with each socket's datagrams of a turn in one `sendmmsg` when the
 *   add-on loaded (else one `send` each).
 */
export type NodeUdpMode = 'socket' | 'batched' | 'pool';

export interface NodeTransportOptions {
  /** Extra trusted CA certificates (PEM) for `wss://`, e.g. the local voice server's. */
  readonly ca?: string | readonly string[];
  /** WebSocket handshake timeout (ms). */
  readonly handshakeTimeoutMs?: number;
  /** Datagrams queued while the UDP socket connects; more are dropped. */
  readonly udpQueueLimit?: number;
  /** Largest voice gateway message accepted (bytes); a larger one closes the socket with 1009. Default 1 MiB. */
  readonly maxMessageBytes?: number;
  /** How UDP datagrams are sent (default `socket`; `batched` and `pool` are opt-in): see {@link NodeUdpMode}. */
  readonly udp?: NodeUdpMode;
  /** Connections on one shared socket in `pool` mode (default 256). */
  readonly poolSocketLimit?: number;
  /** `false`: `batched` and `pool` send with node:dgram even when @voicewire/udp-native loaded (default true). */
  readonly udpNative?: boolean;
}

/** The Node transport, with what it chose for UDP and its counters. */
export interface NodeTransport extends Transport {
  readonly udp: NodeUdpMode;
  /** What sends the datagrams and why, for describeSetup() and bug reports. */
  describe(): string;
  /** Counters of the batcher (`batched`, `pool` with the add-on) and of the pool. */
  udpStats(): { readonly batch: Readonly<BatchStats> | null; readonly pool: Readonly<PoolStats> | null };
}

let sharedBatcher: UdpBatcher | null | undefined;
/** One batcher for the process: datagrams of every transport go out in the same call. */
function processBatcher(): UdpBatcher | null {
  if (sharedBatcher === undefined) {
    const native = loadUdpNative();
    sharedBatcher = native.loaded ? new UdpBatcher(native.binding) : null;
  }
  return sharedBatcher;
}

class NodeWebSocket implements TransportWebSocket {
  private readonly ws: WebSocket | null = null;
  private closed = false;
  private failure: SocketFailure | undefined;

  constructor(url: string, private readonly handlers: WebSocketHandlers, options: NodeTransportOptions, secureContext: SecureContext | undefined) {
    try {
      this.ws = new WebSocket(url, {
        perMessageDeflate: false,
        handshakeTimeout: options.handshakeTimeoutMs ?? 10_000,
        maxPayload: options.maxMessageBytes ?? MAX_VOICE_GATEWAY_MESSAGE_BYTES,
        // one TLS context for every connection of this transport, not one per connection
        ...(secureContext ? { secureContext } : {}),
      });
    } catch (e) {
      // e.g. a URL built from a malformed endpoint: reported like any failed connection, never thrown
      this.failure = describeSocketError(e);
      queueMicrotask(() => this.finish(1006, ''));
      return;
    }
    const ws = this.ws;
    ws.binaryType = 'nodebuffer';
    ws.on('open', () => handlers.onOpen());
    ws.on('message', (data: Buffer, isBinary: boolean) => handlers.onMessage(isBinary ? data : data.toString('utf8')));
    ws.on('close', (code: number, reason: Buffer) => this.finish(code, reason.toString('utf8')));
    // 'error' is always followed by 'close' (1006, or 1009 for an oversized message): keep its cause for it.
    ws.on('error', (err: Error) => {
      this.failure ??= describeSocketError(err);
    });
  }

  private finish(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.handlers.onClose(code, reason, this.failure);
  }

  send(data: string | Uint8Array): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(data);
  }

  close(code: number): void {
    if (this.closed) return;
    this.closed = true;
    const ws = this.ws;
    if (!ws) return;
    if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
    else if (ws.readyState === WebSocket.OPEN) ws.close(code === 1000 || (code >= 3000 && code <= 4999) ? code : 1000);
  }
}

export function createNodeTransport(options: NodeTransportOptions = {}): NodeTransport {
  const mode = options.udp ?? 'socket';
  if (mode !== 'socket' && mode !== 'batched' && mode !== 'pool') throw new TypeError(`udp must be 'socket', 'batched' or 'pool'; got ${String(mode)}`);
  const perSocket = options.poolSocketLimit ?? 256;
  if (!Number.isInteger(perSocket) || perSocket < 1) throw new RangeError(`poolSocketLimit must be a positive integer; got ${perSocket}`);
  const native = mode === 'socket' ? null : options.udpNative === false ? ({ loaded: false, reason: 'udpNative: false' } as const) : loadUdpNative();
  const batcher = native?.loaded ? processBatcher() : null;
  const pool = mode === 'pool' ? new UdpPool(perSocket, batcher, native?.loaded ? native.binding : null) : null;
  const queueLimit = options.udpQueueLimit ?? 64;
  const describe = (): string => {
    const why = native && !native.loaded ? ` (${native.reason})` : '';
    if (mode === 'socket') {
      const n = loadUdpNative();
      return `node:dgram, a connected socket per connection (opt-in batched sends, udp: 'batched' or 'pool': ${n.loaded ? `${n.detail} loaded` : n.reason})`;
    }
    if (mode === 'batched') return batcher ? `a connected socket per connection, each turn's datagrams in one call to ${native?.loaded ? native.detail : ''}` : `a connected socket per connection, one node:dgram send per datagram${why}`;
    return `a pool of shared sockets (at most one connection per remote voice server on each, ${perSocket} in all), ${batcher ? `each turn's datagrams in one call to ${native?.loaded ? native.detail : ''}` : `one node:dgram send per datagram${why}`}`;
  };
  const own = options.ca === undefined ? [] : typeof options.ca === 'string' ? [options.ca] : [...options.ca];
  // Node's default roots plus the extra CAs (these options' and trustCertificate()'s), parsed once per set: one
  // TLS context for every connection of this transport, rebuilt only when the trusted set changes.
  let cached: { version: number; context: SecureContext | undefined } | null = null;
  const secureContext = (): SecureContext | undefined => {
    const trusted = trustedCertificates();
    if (cached?.version !== trusted.version) {
      const pems = [...own, ...trusted.pems];
      let context: SecureContext | undefined;
      if (pems.length > 0) {
        context = createSecureContext();
        for (const pem of pems) context.context.addCACert(pem);
      }
      cached = { version: trusted.version, context };
    }
    return cached.context;
  };
  return {
    name: mode === 'socket' ? 'node' : `node (udp: ${mode})`,
    udp: mode,
    describe,
    udpStats: () => ({ batch: batcher ? { ...batcher.stats } : null, pool: pool ? { ...pool.stats } : null }),
    connectWebSocket: (url, handlers) => new NodeWebSocket(url, handlers, options, secureContext()),
    connectUdp: (host, port, handlers) => (pool ? new PooledUdpSocket(host, port, handlers, queueLimit, pool) : new NodeUdpSocket(host, port, handlers, queueLimit, batcher)),
  };
}

export const nodeTransport: NodeTransport = createNodeTransport();
export default nodeTransport;
