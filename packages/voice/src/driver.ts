/**
 * The driver: feeds socket events and timeouts into a VoiceSession with a monotonic `now`, drains `poll()`,
 * keeps exactly one timer, and maps outputs onto a Transport (docs/architecture.md, the sans-IO contract).
 */
import type { GatewayVoiceStateUpdate, SessionEvent, VoiceSession } from '@voicewire/voice-protocol';
import type { SocketFailure, Transport, TransportUdpSocket, TransportWebSocket, UdpFailure } from './transport.js';

const errorText = (e: unknown): string => String((e as Error)?.message ?? e).slice(0, 200);

/** Closing is best effort: a transport that throws while closing must not stop the rest of the teardown. */
function quietly(fn: () => void): void {
  try {
    fn();
  } catch {
    // nothing to report: the socket is gone either way
  }
}

export interface DriverHooks {
  sendGateway(payload: GatewayVoiceStateUpdate): boolean;
  /** The last op 4 could not be sent: fed back to the session as an input (after this drain). */
  onGatewaySendFailure(): void;
  onEvent(event: SessionEvent): void;
  now(): number;
}

export class VoiceDriver {
  private readonly sockets = new Map<number, TransportWebSocket>();
  private readonly udps = new Map<number, TransportUdpSocket>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private timerAt: number | null = null;
  private pumping = false;
  private again = false;

  constructor(readonly session: VoiceSession, private readonly transport: Transport, private readonly hooks: DriverHooks) {}

  /** Runs `input` against the session with the current time, then drains its outputs. */
  input(input: (now: number) => void): void {
    input(this.hooks.now());
    this.pump();
  }

  pump(): void {
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.again = false;
        this.drain();
      } while (this.again);
    } finally {
      this.pumping = false;
    }
  }

  /** True while any socket or the timer is held. */
  get active(): boolean {
    return this.sockets.size > 0 || this.udps.size > 0 || this.timer !== null;
  }

  private drain(): void {
    for (;;) {
      const o = this.session.poll();
      switch (o.type) {
        case 'timer':
          this.setTimer(o.at);
          return;
        case 'event':
          this.hooks.onEvent(o.event);
          break;
        case 'gateway-send':
          if (!this.sendGateway(o.payload)) queueMicrotask(() => this.hooks.onGatewaySendFailure());
          break;
        case 'ws-connect': {
          const id = o.id;
          const onClose = (code: number, _reason: string, failure?: SocketFailure): void => {
            this.sockets.delete(id);
            this.input((now) => this.session.handleWsClose(id, code, now, failure));
          };
          try {
            const ws = this.transport.connectWebSocket(o.url, {
              onOpen: () => this.input((now) => this.session.handleWsOpen(id, now)),
              onMessage: (data) => this.input((now) => this.session.handleWsMessage(id, data, now)),
              onClose,
            });
            this.sockets.set(id, ws);
          } catch (e) {
            // A transport must not throw, but if one does the session hears it as a failed connection.
            queueMicrotask(() => onClose(1006, '', { kind: 'network', message: `the transport could not open the voice socket: ${errorText(e)}` }));
          }
          break;
        }
        case 'ws-send':
          try {
            this.sockets.get(o.id)?.send(o.data);
          } catch (e) {
            this.hooks.onEvent({ type: 'warning', code: 'E_WS_SEND', message: `the transport failed to send on the voice socket: ${errorText(e)}` });
          }
          break;
        case 'ws-close': {
          const ws = this.sockets.get(o.id);
          this.sockets.delete(o.id);
          quietly(() => ws?.close(o.code));
          break;
        }
        case 'udp-connect': {
          const id = o.id;
          const onError = (failure: UdpFailure): void => this.input((now) => this.session.handleUdpFailure(id, failure, now));
          try {
            const udp = this.transport.connectUdp(o.host, o.port, {
              onMessage: (data) => this.input((now) => this.session.handleUdpPacket(id, data, now)),
              onError,
            });
            this.udps.set(id, udp);
          } catch (e) {
            queueMicrotask(() => onError({ kind: 'network', message: `the transport could not open the UDP socket: ${errorText(e)}`, fatal: true }));
          }
          break;
        }
        case 'udp-send':
          try {
            this.udps.get(o.id)?.send(o.data);
          } catch (e) {
            const id = o.id;
            queueMicrotask(() => this.input((now) => this.session.handleUdpFailure(id, { kind: 'network', message: errorText(e), fatal: false }, now)));
          }
          break;
        case 'udp-close': {
          const udp = this.udps.get(o.id);
          this.udps.delete(o.id);
          quietly(() => udp?.close());
          break;
        }
      }
    }
  }

  /** An adapter that throws counts as one that could not send. */
  private sendGateway(payload: GatewayVoiceStateUpdate): boolean {
    try {
      return this.hooks.sendGateway(payload) !== false;
    } catch {
      return false;
    }
  }

  private setTimer(at: number | null): void {
    if (at === this.timerAt && (at === null || this.timer !== null)) return;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.timerAt = at;
    if (at === null) return;
    const delay = Math.max(0, at - this.hooks.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      this.timerAt = null;
      this.input((now) => this.session.handleTimeout(now));
    }, Math.ceil(delay));
  }

  /** Closes every socket and the timer (used after the session was destroyed). */
  release(): void {
    for (const ws of this.sockets.values()) quietly(() => ws.close(1000));
    for (const udp of this.udps.values()) quietly(() => udp.close());
    this.sockets.clear();
    this.udps.clear();
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.timerAt = null;
  }
}
