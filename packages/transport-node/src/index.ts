/**
 * voicewire's Node transport: `ws` for the voice WebSocket (text and binary frames) and a *connected*
 * `node:dgram` socket for UDP (connected sends skip the per-packet address lookup). No protocol logic here.
 */
import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { createSecureContext, type SecureContext } from 'node:tls';
import WebSocket from 'ws';
import type { Transport, TransportUdpSocket, TransportWebSocket, UdpHandlers, WebSocketHandlers } from '@voicewire/voice';

export interface NodeTransportOptions {
  /** Extra trusted CA certificates (PEM) for `wss://`, e.g. the local voice server's. */
  readonly ca?: string | readonly string[];
  /** WebSocket handshake timeout (ms). */
  readonly handshakeTimeoutMs?: number;
  /** Datagrams queued while the UDP socket connects; more are dropped. */
  readonly udpQueueLimit?: number;
}

class NodeWebSocket implements TransportWebSocket {
  private readonly ws: WebSocket;
  private closed = false;

  constructor(url: string, handlers: WebSocketHandlers, options: NodeTransportOptions, secureContext: SecureContext | undefined) {
    this.ws = new WebSocket(url, {
      perMessageDeflate: false,
      handshakeTimeout: options.handshakeTimeoutMs ?? 10_000,
      // one TLS context for every connection of this transport, not one per connection
      ...(secureContext ? { secureContext } : {}),
    });
    this.ws.binaryType = 'nodebuffer';
    this.ws.on('open', () => handlers.onOpen());
    this.ws.on('message', (data: Buffer, isBinary: boolean) => handlers.onMessage(isBinary ? data : data.toString('utf8')));
    this.ws.on('close', (code: number, reason: Buffer) => {
      if (this.closed) return;
      this.closed = true;
      handlers.onClose(code, reason.toString('utf8'));
    });
    // 'error' is always followed by 'close' (1006); the listener keeps it from becoming an uncaught exception.
    this.ws.on('error', () => {});
  }

  send(data: string | Uint8Array): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(data);
  }

  close(code: number): void {
    if (this.closed) return;
    this.closed = true;
    if (this.ws.readyState === WebSocket.CONNECTING) this.ws.terminate();
    else if (this.ws.readyState === WebSocket.OPEN) this.ws.close(code === 1000 || (code >= 3000 && code <= 4999) ? code : 1000);
  }
}

class NodeUdpSocket implements TransportUdpSocket {
  private readonly socket: Socket;
  private connected = false;
  private closed = false;
  private queue: Uint8Array[] = [];

  constructor(host: string, port: number, private readonly handlers: UdpHandlers, private readonly queueLimit: number) {
    this.socket = createSocket({ type: isIPv6(host) ? 'udp6' : 'udp4' });
    this.socket.on('message', (msg: Buffer) => handlers.onMessage(msg));
    this.socket.on('error', (err: Error) => handlers.onError?.(err));
    this.socket.connect(port, host, () => {
      if (this.closed) return;
      this.connected = true;
      for (const d of this.queue) this.socket.send(d);
      this.queue = [];
    });
  }

  send(data: Uint8Array): void {
    if (this.closed) return;
    if (this.connected) this.socket.send(data);
    else if (this.queue.length < this.queueLimit) this.queue.push(data);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue = [];
    try {
      this.socket.close();
    } catch (e) {
      this.handlers.onError?.(e as Error);
    }
  }
}

export function createNodeTransport(options: NodeTransportOptions = {}): Transport {
  let secureContext: SecureContext | undefined;
  if (options.ca) {
    // Node's default roots plus the extra CA, parsed once.
    secureContext = createSecureContext();
    for (const pem of typeof options.ca === 'string' ? [options.ca] : options.ca) secureContext.context.addCACert(pem);
  }
  return {
    name: 'node',
    connectWebSocket: (url, handlers) => new NodeWebSocket(url, handlers, options, secureContext),
    connectUdp: (host, port, handlers) => new NodeUdpSocket(host, port, handlers, options.udpQueueLimit ?? 64),
  };
}

export const nodeTransport: Transport = createNodeTransport();
export default nodeTransport;
