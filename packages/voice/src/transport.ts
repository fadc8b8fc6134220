/**
 * The I/O a voice connection needs, behind one interface so the driver runs on any runtime
 * (`@voicewire/transport-node`, `@voicewire/transport-bun`, or your own). Implementations never throw into
 * the driver for remote events: failures arrive as `onClose(1006, …)` or `onError`.
 */
export interface WebSocketHandlers {
  onOpen(): void;
  /** Text frames as strings, binary frames as bytes. */
  onMessage(data: string | Uint8Array): void;
  onClose(code: number, reason: string): void;
}

export interface TransportWebSocket {
  send(data: string | Uint8Array): void;
  close(code: number): void;
}

export interface UdpHandlers {
  onMessage(data: Uint8Array): void;
  onError?(error: Error): void;
}

export interface TransportUdpSocket {
  /** Datagrams sent before the socket is connected are queued (bounded) or dropped, never thrown. */
  send(data: Uint8Array): void;
  close(): void;
}

export interface Transport {
  readonly name: string;
  connectWebSocket(url: string, handlers: WebSocketHandlers): TransportWebSocket;
  connectUdp(host: string, port: number, handlers: UdpHandlers): TransportUdpSocket;
}
