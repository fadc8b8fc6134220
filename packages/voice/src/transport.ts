/**
 * The I/O a voice connection needs, behind one interface so the driver runs on any runtime
 * (`@voicewire/transport-node`, `@voicewire/transport-bun`, or your own). Implementations never throw into
 * the driver for remote events: failures arrive as `onClose(code, reason, failure)` or `onError(failure)`.
 */
import type { SocketFailure } from '@voicewire/voice-protocol';

export type { SocketFailure } from '@voicewire/voice-protocol';
export { MAX_VOICE_GATEWAY_MESSAGE_BYTES } from '@voicewire/voice-protocol';

export interface WebSocketHandlers {
  onOpen(): void;
  /** Text frames as strings, binary frames as bytes. */
  onMessage(data: string | Uint8Array): void;
  /**
   * The socket closed. `failure` says what the transport knows beyond the code: a rejected certificate
   * (`tls`), a message over the size limit (`too-large`, code 1009), or a network error.
   */
  onClose(code: number, reason: string, failure?: SocketFailure): void;
}

export interface TransportWebSocket {
  send(data: string | Uint8Array): void;
  close(code: number): void;
}

/** A UDP problem. `fatal`: the socket cannot be used at all (connect failed, bad address, DNS failure). */
export type UdpFailure = SocketFailure & { readonly fatal: boolean };

export interface UdpHandlers {
  onMessage(data: Uint8Array): void;
  onError?(failure: UdpFailure): void;
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

// Certificate verification failures only: a reset during the handshake is a network error and is retried.
const TLS_CODES = /^(CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|ERR_TLS_CERT_ALTNAME_INVALID|HOSTNAME_MISMATCH)/;
const TLS_TEXT = /certificate|self[- ]signed|altname|hostname\/ip does not match/i;

/** Classifies an error a socket library reported (shared by the transports): certificate, oversized message or network. */
export function describeSocketError(error: unknown): SocketFailure {
  const e = error as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  const message = typeof e?.message === 'string' && e.message ? e.message : String(error);
  const text = code && !message.includes(code) ? `${message} (${code})` : message;
  if (code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' || /max payload size exceeded/i.test(message)) return { kind: 'too-large', message: text };
  if (TLS_CODES.test(code) || TLS_TEXT.test(message)) return { kind: 'tls', message: text };
  return { kind: 'network', message: text };
}

/**
 * Addresses no voice server has (broadcast, multicast, unspecified), for transports whose shared sockets are
 * unconnected: the kernel refuses these at connect(), but an unconnected socket would try to send to them.
 */
export function isUnicastAddress(address: string, family: 4 | 6): boolean {
  if (family === 4) {
    const first = Number(address.split('.')[0]);
    return !(address === '255.255.255.255' || address === '0.0.0.0' || (first >= 224 && first <= 239));
  }
  return !(address === '::' || /^ff/i.test(address));
}

/** One shared socket of a {@link SharedSocketPool}: its address family, its connections by remote, and whether it broke. */
export interface PoolSocket<M> {
  readonly family: 4 | 6;
  readonly members: Map<string, M>;
  readonly broken: unknown;
}

/**
 * The placement rule of a shared UDP socket pool, the same on every runtime: a connection joins the first socket
 * of its address family that is not broken, has room (`perSocket`) and has no connection to the same remote, so
 * that every (local, remote) pair carries one session; otherwise a new socket is opened. The last connection to
 * leave a socket closes it. `counts` is updated in place (a transport's stats object).
 */
export class SharedSocketPool<M, S extends PoolSocket<M>> {
  private readonly sockets: S[] = [];

  constructor(
    readonly perSocket: number,
    private readonly counts: { sockets: number; connections: number },
    private readonly open: (family: 4 | 6) => S,
    private readonly dispose: (s: S) => void,
  ) {}

  join(member: M, family: 4 | 6, key: string): S {
    let s = this.sockets.find((x) => x.family === family && !x.broken && x.members.size < this.perSocket && !x.members.has(key));
    if (!s) {
      s = this.open(family);
      this.sockets.push(s);
      this.counts.sockets++;
    }
    s.members.set(key, member);
    this.counts.connections++;
    return s;
  }

  leave(s: S, key: string, member: M): void {
    if (s.members.get(key) !== member) return;
    s.members.delete(key);
    this.counts.connections--;
    if (s.members.size > 0) return;
    const i = this.sockets.indexOf(s);
    if (i >= 0) this.sockets.splice(i, 1);
    this.counts.sockets--;
    try {
      this.dispose(s);
    } catch {
      // already closed
    }
  }
}

/**
 * The part of a UDP transport socket that is the same on every runtime: datagrams sent before the socket is
 * connected are queued (bounded, the rest dropped), a throwing send is reported instead of thrown, a fatal
 * failure closes the socket and is reported once, and close() is idempotent. A transport supplies `write`,
 * `release`, and calls `connected()` once its socket can send.
 */
export abstract class QueuedUdpSocket implements TransportUdpSocket {
  protected closed = false;
  private open = false;
  private queue: Uint8Array[] = [];

  protected constructor(protected readonly handlers: UdpHandlers, private readonly queueLimit: number) {}

  /** Sends one datagram on the connected socket (may throw: reported as a non-fatal failure). */
  protected abstract write(data: Uint8Array): void;
  /** Closes the underlying socket (may throw: ignored). */
  protected abstract release(): void;

  /** The socket is connected: what was queued goes out now (`flush` may batch it). */
  protected connected(): void {
    if (this.closed) return;
    this.open = true;
    const queued = this.queue;
    this.queue = [];
    try {
      this.flush(queued);
    } catch (e) {
      this.report(e, false);
    }
  }

  protected flush(queued: readonly Uint8Array[]): void {
    for (const d of queued) this.write(d);
  }

  protected report(error: unknown, fatal: boolean): void {
    if (this.closed) return;
    if (fatal) this.close();
    this.handlers.onError?.({ ...describeSocketError(error), fatal });
  }

  send(data: Uint8Array): void {
    if (this.closed) return;
    if (!this.open) {
      if (this.queue.length < this.queueLimit) this.queue.push(data);
      return;
    }
    try {
      this.write(data);
    } catch (e) {
      this.report(e, false);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue = [];
    try {
      this.release();
    } catch {
      // already closed
    }
  }
}
