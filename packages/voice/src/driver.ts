/**
 * The driver: feeds socket events and timeouts into a VoiceSession with a monotonic `now`, drains `poll()`,
 * keeps exactly one timer, and maps outputs onto a Transport (ARCHITECTURE.md, the sans-IO contract).
 */
import type { GatewayVoiceStateUpdate, SessionEvent, VoiceSession } from '@voicewire/voice-protocol';
import type { Transport, TransportUdpSocket, TransportWebSocket } from './transport.js';

export interface DriverHooks {
  sendGateway(payload: GatewayVoiceStateUpdate): boolean;
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
          if (!this.hooks.sendGateway(o.payload)) {
            this.hooks.onEvent({ type: 'warning', code: 'E_GATEWAY_SEND', message: 'the gateway adapter could not send op 4 (is the main gateway connected?)' });
          }
          break;
        case 'ws-connect': {
          const id = o.id;
          const ws = this.transport.connectWebSocket(o.url, {
            onOpen: () => this.input((now) => this.session.handleWsOpen(id, now)),
            onMessage: (data) => this.input((now) => this.session.handleWsMessage(id, data, now)),
            onClose: (code) => {
              this.sockets.delete(id);
              this.input((now) => this.session.handleWsClose(id, code, now));
            },
          });
          this.sockets.set(id, ws);
          break;
        }
        case 'ws-send':
          this.sockets.get(o.id)?.send(o.data);
          break;
        case 'ws-close': {
          const ws = this.sockets.get(o.id);
          this.sockets.delete(o.id);
          ws?.close(o.code);
          break;
        }
        case 'udp-connect': {
          const id = o.id;
          const udp = this.transport.connectUdp(o.host, o.port, {
            onMessage: (data) => this.input((now) => this.session.handleUdpPacket(id, data, now)),
            onError: (error) => this.hooks.onEvent({ type: 'warning', code: 'E_UDP', message: `UDP socket error: ${error.message}` }),
          });
          this.udps.set(id, udp);
          break;
        }
        case 'udp-send':
          this.udps.get(o.id)?.send(o.data);
          break;
        case 'udp-close': {
          const udp = this.udps.get(o.id);
          this.udps.delete(o.id);
          udp?.close();
          break;
        }
      }
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
    for (const ws of this.sockets.values()) ws.close(1000);
    for (const udp of this.udps.values()) udp.close();
    this.sockets.clear();
    this.udps.clear();
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.timerAt = null;
  }
}
