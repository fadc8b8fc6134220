/**
 * A scripted, hostile voice server, sans-IO: it speaks just enough of the voice gateway (built from the core's
 * codecs) to bring a client to Ready and Session Description, then sends whatever a test tells it to — wrong
 * values in Ready or Session Description, DAVE ops with unsupported versions, raw garbage, huge frames, closes —
 * and can refuse to ACK heartbeats while still accepting resumes. `HostileVoiceServer` (testkit/node) serves the
 * same script on real sockets; `runScripted` drives a VoiceSession against it on a fake clock.
 */
import {
  decodeGatewayMessage,
  decodeIpDiscoveryRequest,
  encodeGatewayMessage,
  encodeIpDiscoveryResponse,
  type SessionOutput,
  type VoiceSession,
} from '@voicewire/voice-protocol';

export const HOSTILE_TOKEN = 'hostile-voice-token-7f3a9c';
export const HOSTILE_SESSION_ID = 'hostile-session-id-51be20';

export type HostileOutput =
  | { readonly type: 'ws-send'; readonly data: string | Uint8Array }
  | { readonly type: 'ws-close'; readonly code: number }
  | { readonly type: 'udp-send'; readonly data: Uint8Array };

export interface HostileActions {
  sendText(text: string): void;
  sendJson(value: unknown): void;
  sendBinary(bytes: Uint8Array): void;
  close(code: number): void;
}

export interface HostileOptions {
  /** Fields of Ready's `d` (wire names) that replace the honest ones, e.g. `{ port: 0 }`. */
  readonly ready?: Record<string, unknown>;
  /** Fields of Session Description's `d` (wire names), e.g. `{ dave_protocol_version: 255 }`. */
  readonly sessionDescription?: Record<string, unknown>;
  /** Answer heartbeats with op 6 (default true). */
  readonly ackHeartbeats?: boolean;
  /** Answer Resume with op 9 (default true), even when nothing else works. */
  readonly acceptResume?: boolean;
  /** Runs right after Session Description went out (and again after every Resumed). */
  readonly afterSessionDescription?: (act: HostileActions) => void;
  /** Ready's UDP address when not overridden. */
  readonly udp?: { readonly ip: string; readonly port: number };
  readonly heartbeatIntervalMs?: number;
  readonly ssrc?: number;
}

/** One client connection of the hostile server: feed it what the client sends, collect what it answers. */
export class HostileScript {
  readonly out: HostileOutput[] = [];
  /** Everything the client sent, decoded where possible (tests assert on it). */
  readonly received: { op: number | 'binary' | 'invalid'; d?: unknown }[] = [];
  identified = false;
  resumes = 0;
  private seq = 0;

  constructor(private readonly options: HostileOptions = {}) {}

  /** Called after an action queued output outside a message (e.g. from a test's timer), so a driver can flush. */
  onOutput: (() => void) | null = null;

  private push(o: HostileOutput): void {
    this.out.push(o);
    this.onOutput?.();
  }

  private readonly act: HostileActions = {
    sendText: (text) => this.push({ type: 'ws-send', data: text }),
    sendJson: (value) => this.push({ type: 'ws-send', data: JSON.stringify(value) }),
    sendBinary: (bytes) => this.push({ type: 'ws-send', data: bytes }),
    close: (code) => this.push({ type: 'ws-close', code }),
  };

  /** The socket opened: Hello. */
  open(): void {
    this.out.push({ type: 'ws-send', data: encodeGatewayMessage({ op: 8, d: { heartbeatInterval: this.options.heartbeatIntervalMs ?? 5_000, v: 8 } }) });
  }

  message(data: string | Uint8Array): void {
    if (typeof data !== 'string') {
      this.received.push({ op: 'binary' });
      return;
    }
    const r = decodeGatewayMessage(data);
    if (!r.ok || r.value.op === 'unknown') {
      this.received.push({ op: 'invalid' });
      return;
    }
    const m = r.value;
    this.received.push({ op: m.op, d: m.d });
    switch (m.op) {
      case 0: {
        this.identified = true;
        const udp = this.options.udp ?? { ip: '127.0.0.1', port: 50_000 };
        const d = { ssrc: this.options.ssrc ?? 4242, ip: udp.ip, port: udp.port, modes: ['aead_aes256_gcm_rtpsize', 'aead_xchacha20_poly1305_rtpsize'], ...this.options.ready };
        this.act.sendJson({ op: 2, d });
        return;
      }
      case 1: {
        const d = { mode: m.d.mode, secret_key: Array.from({ length: 32 }, (_, i) => (i * 7 + 3) & 0xff), dave_protocol_version: 0, ...this.options.sessionDescription };
        this.act.sendJson({ op: 4, d, seq: ++this.seq });
        this.options.afterSessionDescription?.(this.act);
        return;
      }
      case 3:
        if (this.options.ackHeartbeats ?? true) this.act.sendJson({ op: 6, d: { t: m.d.t } });
        return;
      case 7:
        this.resumes++;
        if (this.options.acceptResume ?? true) {
          this.act.sendJson({ op: 9, d: null });
          this.options.afterSessionDescription?.(this.act);
        } else this.act.close(4006);
        return;
      default:
        return;
    }
  }

  /** A datagram from the client: IP discovery is answered honestly; everything else is ignored. */
  udp(bytes: Uint8Array, from: { address: string; port: number }): void {
    const req = decodeIpDiscoveryRequest(bytes);
    if (req.ok) this.out.push({ type: 'udp-send', data: encodeIpDiscoveryResponse({ ssrc: req.value.ssrc, address: from.address, port: from.port }) });
  }

  take(): HostileOutput[] {
    return this.out.splice(0);
  }
}

/**
 * Drives `session` against a HostileScript on a fake clock for `ms` of simulated time: the main gateway answers
 * op 4 with the hostile token, every socket connects, every datagram arrives. Returns everything the session
 * output. Any exception from the session escapes to the caller (the property under test is that none does).
 */
export function runScripted(session: VoiceSession, options: HostileOptions, ms: number, start = 0): { outputs: SessionOutput[]; scripts: HostileScript[]; now: number } {
  const outputs: SessionOutput[] = [];
  const scripts: HostileScript[] = [];
  const ws = new Map<number, HostileScript>();
  let udpId: number | null = null;
  let now = start;
  let timer: number | null = null;
  const end = start + ms;
  const pending: (() => void)[] = [];
  const drain = (): void => {
    for (let guard = 0; guard < 100_000; guard++) {
      const o = session.poll();
      if (o.type === 'timer') {
        timer = o.at;
        return;
      }
      outputs.push(o);
      switch (o.type) {
        case 'gateway-send':
          if (o.payload.d.channel_id !== null) {
            const channelId = o.payload.d.channel_id;
            const guildId = o.payload.d.guild_id;
            pending.push(() => {
              session.handleVoiceStateUpdate({ guild_id: guildId, channel_id: channelId, user_id: '1000', session_id: HOSTILE_SESSION_ID }, now);
              session.handleVoiceServerUpdate({ guild_id: guildId, token: HOSTILE_TOKEN, endpoint: '127.0.0.1:4443' }, now);
            });
          }
          break;
        case 'ws-connect': {
          const script = new HostileScript(options);
          scripts.push(script);
          ws.set(o.id, script);
          const id = o.id;
          pending.push(() => {
            session.handleWsOpen(id, now);
            script.open();
          });
          break;
        }
        case 'ws-send':
          ws.get(o.id)?.message(o.data);
          break;
        case 'ws-close':
          ws.delete(o.id);
          break;
        case 'udp-connect':
          udpId = o.id;
          break;
        case 'udp-send':
          if (o.id === udpId) for (const s of ws.values()) s.udp(o.data, { address: '127.0.0.1', port: 40_000 });
          break;
        default:
          break;
      }
    }
    throw new Error('runScripted: the session never ended a drain with a timer');
  };
  const deliver = (): boolean => {
    let moved = false;
    for (const [id, script] of ws) {
      for (const o of script.take()) {
        moved = true;
        if (o.type === 'ws-send') session.handleWsMessage(id, o.data, now);
        else if (o.type === 'ws-close') {
          ws.delete(id);
          session.handleWsClose(id, o.code, now);
        } else if (udpId !== null) session.handleUdpPacket(udpId, o.data, now);
        drain();
      }
    }
    while (pending.length > 0) {
      moved = true;
      (pending.shift() as () => void)();
      drain();
    }
    return moved;
  };
  drain();
  for (let guard = 0; guard < 1_000_000; guard++) {
    while (deliver()) {
      // deliver until quiet
    }
    if (timer === null || timer > end) break;
    now = Math.max(now, timer);
    session.handleTimeout(now);
    drain();
  }
  return { outputs, scripts, now };
}
