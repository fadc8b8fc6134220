/**
 * voicewire's Bun transport: Bun's WebSocket for the voice gateway and a *connected* `Bun.udpSocket` for UDP.
 * Datagrams go out at once; the ones sent before the socket exists are flushed with one `sendMany`. (Deferring
 * sends to batch them saves nothing at one packet per 20 ms per socket, and a deferred queue can overflow in a
 * burst: measured, then removed.) No protocol logic.
 */
/// <reference path="./bun.d.ts" />
import type { Transport, TransportUdpSocket, TransportWebSocket, UdpHandlers, WebSocketHandlers } from '@voicewire/voice';

export interface BunTransportOptions {
  /** Extra trusted CA certificate (PEM) for `wss://`, e.g. the local voice server's. */
  readonly ca?: string;
  /** Datagrams queued while the socket is created; more are dropped. */
  readonly udpQueueLimit?: number;
}

class BunWebSocket implements TransportWebSocket {
  private readonly ws: WebSocket;
  private closed = false;

  constructor(url: string, handlers: WebSocketHandlers, options: BunTransportOptions) {
    // Bun's WebSocket takes TLS options as a second argument (a Bun extension to the web API).
    const Ctor = WebSocket as unknown as new (url: string, options?: unknown) => WebSocket;
    this.ws = new Ctor(url, options.ca ? { tls: { ca: options.ca } } : undefined);
    this.ws.binaryType = 'arraybuffer';
    this.ws.onopen = () => handlers.onOpen();
    this.ws.onmessage = (e: { data: unknown }) => handlers.onMessage(typeof e.data === 'string' ? e.data : new Uint8Array(e.data as ArrayBuffer));
    this.ws.onclose = (e: { code: number; reason: string }) => {
      if (this.closed) return;
      this.closed = true;
      handlers.onClose(e.code, e.reason);
    };
    this.ws.onerror = () => {}; // a close event follows
  }

  send(data: string | Uint8Array): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(data);
  }

  close(code: number): void {
    if (this.closed) return;
    this.closed = true;
    if (this.ws.readyState === WebSocket.CONNECTING || this.ws.readyState === WebSocket.OPEN) this.ws.close(code === 1000 || (code >= 3000 && code <= 4999) ? code : 1000);
  }
}

class BunUdpSocket implements TransportUdpSocket {
  private socket: Bun.ConnectedUdpSocket | null = null;
  private closed = false;
  private queue: Uint8Array[] = [];

  constructor(host: string, port: number, handlers: UdpHandlers, private readonly queueLimit: number) {
    Bun.udpSocket({
      connect: { hostname: host, port },
      socket: {
        data: (_s, data) => handlers.onMessage(data),
        error: (_s, error) => handlers.onError?.(error),
      },
    }).then(
      (s) => {
        if (this.closed) return s.close();
        this.socket = s;
        if (this.queue.length === 1) s.send(this.queue[0] as Uint8Array);
        else if (this.queue.length > 1) s.sendMany(this.queue);
        this.queue = [];
      },
      (e: Error) => handlers.onError?.(e),
    );
  }

  send(data: Uint8Array): void {
    if (this.closed) return;
    if (this.socket) this.socket.send(data);
    else if (this.queue.length < this.queueLimit) this.queue.push(data);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue = [];
    this.socket?.close();
  }
}

export function createBunTransport(options: BunTransportOptions = {}): Transport {
  return {
    name: 'bun',
    connectWebSocket: (url, handlers) => new BunWebSocket(url, handlers, options),
    connectUdp: (host, port, handlers) => new BunUdpSocket(host, port, handlers, options.udpQueueLimit ?? 256),
  };
}

export const bunTransport: Transport = createBunTransport();
export default bunTransport;
