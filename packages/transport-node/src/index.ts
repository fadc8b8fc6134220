/**
 * voicewire's Node transport: `ws` for the voice WebSocket (text and binary frames) and a *connected*
 * `node:dgram` socket for UDP (connected sends skip the per-packet address lookup). No protocol logic here.
 *
 * @module @voicewire/transport-node
 */
import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { createSecureContext, type SecureContext } from 'node:tls';
import WebSocket from 'ws';
import { describeSocketError, MAX_VOICE_GATEWAY_MESSAGE_BYTES, QueuedUdpSocket, trustedCertificates, type SocketFailure, type Transport, type TransportWebSocket, type UdpHandlers, type WebSocketHandlers } from '@voicewire/voice';

export interface NodeTransportOptions {
  /** Extra trusted CA certificates (PEM) for `wss://`, e.g. the local voice server's. */
  readonly ca?: string | readonly string[];
  /** WebSocket handshake timeout (ms). */
  readonly handshakeTimeoutMs?: number;
  /** Datagrams queued while the UDP socket connects; more are dropped. */
  readonly udpQueueLimit?: number;
  /** Largest voice gateway message accepted (bytes); a larger one closes the socket with 1009. Default 1 MiB. */
  readonly maxMessageBytes?: number;
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

/** A connected dgram socket. Nothing here throws: a failed connect, a bad address or a failed send is reported. */
class NodeUdpSocket extends QueuedUdpSocket {
  private socket: Socket | null = null;

  constructor(host: string, port: number, handlers: UdpHandlers, queueLimit: number) {
    super(handlers, queueLimit);
    let connecting = true;
    try {
      const socket = createSocket({ type: isIPv6(host) ? 'udp6' : 'udp4' });
      this.socket = socket;
      socket.on('message', (msg: Buffer) => {
        if (!this.closed) handlers.onMessage(msg);
      });
      socket.on('error', (err: Error) => this.report(err, connecting));
      socket.connect(port, host, (err?: Error) => {
        if (err) return this.report(err, true);
        connecting = false;
        this.connected();
      });
    } catch (e) {
      // port 0, a malformed address: the caller learns it as a failure, after this constructor returns
      queueMicrotask(() => this.report(e, true));
    }
  }

  protected write(data: Uint8Array): void {
    this.socket?.send(data);
  }

  protected release(): void {
    this.socket?.close();
  }
}

export function createNodeTransport(options: NodeTransportOptions = {}): Transport {
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
    name: 'node',
    connectWebSocket: (url, handlers) => new NodeWebSocket(url, handlers, options, secureContext()),
    connectUdp: (host, port, handlers) => new NodeUdpSocket(host, port, handlers, options.udpQueueLimit ?? 64),
  };
}

export const nodeTransport: Transport = createNodeTransport();
export default nodeTransport;
