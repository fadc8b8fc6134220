/**
 * A deterministic network for sans-IO tests: N client VoiceSessions and one VoiceServerCore, a fake clock, a
 * reliable ordered "WebSocket" with latency, and a seeded lossy, reordering "UDP" link. No sockets, no timer
 * mocks: every party is driven by its own `timer` outputs on the simulated clock.
 */
import { VoiceSession, type CryptoProvider, type SessionEvent, type SessionInput, type VoiceSessionConfig } from '@voicewire/voice-protocol';
import { VoiceServerCore, type UdpAddress, type VoiceServerCoreConfig } from '@voicewire/voice-server/core';
import { seededRandom, type SeededRandom } from './random.js';

export interface LinkConfig {
  /** One-way WebSocket latency (ms). */
  wsLatencyMs: number;
  /** One-way UDP latency (ms) plus up to `udpJitterMs` of random extra delay, which reorders packets. */
  udpLatencyMs: number;
  udpJitterMs: number;
  /** Probability that a UDP datagram is lost (either direction). */
  udpLoss: number;
}

export interface SimClient {
  readonly name: string;
  readonly userId: string;
  readonly session: VoiceSession;
  readonly events: { at: number; event: SessionEvent }[];
  /** Every output text the session produced except the Identify/Resume frames that must carry the token. */
  readonly outputTexts: string[];
  timerAt: number | null;
}

interface Scheduled {
  at: number;
  order: number;
  run: () => void;
}

const SERVER_UDP: UdpAddress = { address: '127.0.0.1', port: 50000 };

export class SimNetwork {
  now = 0;
  readonly server: VoiceServerCore;
  readonly clients: SimClient[] = [];
  readonly rng: SeededRandom;
  readonly link: LinkConfig;
  readonly relayed: { at: number; fromUserId: string; payload: Uint8Array }[] = [];
  /** Broken sans-IO invariants seen while draining (a timer in the past, outputs after destroy). */
  readonly violations: string[] = [];
  /** Every secret the server handed out (voice tokens, session ids, session keys as JSON arrays and hex). */
  readonly secrets = new Set<string>();
  /** Endpoints that refuse connections (simulates an unreachable voice server). */
  readonly unreachable = new Set<string>();
  /** Called with every datagram the server delivers to a client (tests capture packets to replay them). */
  udpTap: ((client: SimClient, udpId: number, data: Uint8Array) => void) | null = null;
  private readonly queue: Scheduled[] = [];
  private order = 0;
  private serverTimer: number | null = null;
  private readonly wsToConn = new Map<string, number>();
  private readonly connToWs = new Map<number, { client: SimClient; wsId: number }>();
  private readonly blackholed = new Set<string>();
  private readonly udpBindings = new Map<string, { client: SimClient; udpId: number }>();
  private readonly clientUdp = new Map<string, UdpAddress>();
  private nextPort = 40000;
  private lastWsDelivery = new Map<string, number>();

  /** Inputs go to sessions as data through `session.handle(input, now)` instead of the `handle*` methods. */
  private readonly asData: boolean;

  constructor(opts: { seed?: number; crypto: CryptoProvider; link?: Partial<LinkConfig>; server?: Partial<VoiceServerCoreConfig>; inputsAsData?: boolean }) {
    this.asData = opts.inputsAsData ?? false;
    this.rng = seededRandom(opts.seed ?? 1);
    this.link = { wsLatencyMs: 5, udpLatencyMs: 2, udpJitterMs: 0, udpLoss: 0, ...opts.link };
    const serverRng = seededRandom((opts.seed ?? 1) ^ 0xabcdef);
    this.server = new VoiceServerCore({ random: serverRng.next, crypto: opts.crypto, endpoint: 'voice.local:2048', udp: SERVER_UDP, observeMedia: true, ...opts.server });
  }

  addClient(name: string, config: Omit<VoiceSessionConfig, 'random' | 'userId'> & { userId: string; random?: () => number }): SimClient {
    const rng = seededRandom(this.rng.int(1, 2 ** 31));
    const session = new VoiceSession({ random: rng.next, ...config });
    const client: SimClient = { name, userId: config.userId, session, events: [], outputTexts: [], timerAt: null };
    this.clients.push(client);
    return client;
  }

  /** Lets time pass, delivering everything due. */
  runFor(ms: number): void {
    this.runUntil(() => false, ms);
  }

  /** Runs until `pred` holds (checked after each step) or `maxMs` of simulated time pass. Returns whether it held. */
  runUntil(pred: () => boolean, maxMs: number): boolean {
    const end = this.now + maxMs;
    for (let guard = 0; guard < 5_000_000; guard++) {
      this.drainAll();
      if (pred()) return true;
      const next = this.nextTime();
      if (next === null || next > end) {
        this.now = end;
        this.drainAll();
        return pred();
      }
      this.now = Math.max(this.now, next);
      this.deliverDue();
    }
    throw new Error('simulation did not settle (more than 5e6 steps)');
  }

  /** Drains every party's outputs (after a test calls a command on a session or the server). */
  drainAll(): void {
    for (let guard = 0; guard < 100_000; guard++) {
      let moved = false;
      for (const c of this.clients) moved = this.drainClient(c) || moved;
      moved = this.drainServer() || moved;
      if (!moved) return;
    }
    throw new Error('outputs did not settle');
  }

  /** The client's events of one type, narrowed to that type (`eventsOf(a, 'ready')[0].e2ee` type-checks). */
  eventsOf<T extends SessionEvent['type']>(client: SimClient, type: T): Extract<SessionEvent, { type: T }>[] {
    return client.events.map((e) => e.event).filter((e): e is Extract<SessionEvent, { type: T }> => e.type === type);
  }

  // ───────────────────────────── internals ─────────────────────────────

  /** One input to a session: through `handle()` as data, or through its `handle*` method (the same thing). */
  private feed(session: VoiceSession, input: SessionInput): void {
    if (this.asData) return session.handle(input, this.now);
    switch (input.type) {
      case 'timeout':
        return session.handleTimeout(this.now);
      case 'ws-open':
        return session.handleWsOpen(input.id, this.now);
      case 'ws-close':
        return session.handleWsClose(input.id, input.code, this.now, input.failure);
      case 'ws-message':
        return session.handleWsMessage(input.id, input.data, this.now);
      case 'udp-packet':
        return session.handleUdpPacket(input.id, input.bytes, this.now);
      case 'voice-state-update':
        return session.handleVoiceStateUpdate(input.d, this.now);
      case 'voice-server-update':
        return session.handleVoiceServerUpdate(input.d, this.now);
      default:
        return session.handle(input, this.now);
    }
  }

  private schedule(at: number, run: () => void): void {
    const item = { at, order: this.order++, run };
    // insertion keeps the queue sorted by (at, order)
    let lo = 0;
    let hi = this.queue.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const m = this.queue[mid] as Scheduled;
      if (m.at < at || (m.at === at && m.order < item.order)) lo = mid + 1;
      else hi = mid;
    }
    this.queue.splice(lo, 0, item);
  }

  /** WebSocket delivery keeps per-direction order like TCP. */
  private scheduleWs(key: string, run: () => void): void {
    const at = Math.max(this.now + this.link.wsLatencyMs, this.lastWsDelivery.get(key) ?? 0);
    this.lastWsDelivery.set(key, at);
    this.schedule(at, run);
  }

  private scheduleUdp(run: () => void): void {
    if (this.link.udpLoss > 0 && this.rng.next() < this.link.udpLoss) return;
    this.schedule(this.now + this.link.udpLatencyMs + (this.link.udpJitterMs > 0 ? this.rng.next() * this.link.udpJitterMs : 0), run);
  }

  private nextTime(): number | null {
    let t: number | null = this.queue[0]?.at ?? null;
    for (const c of this.clients) if (c.timerAt !== null && (t === null || c.timerAt < t)) t = c.timerAt;
    if (this.serverTimer !== null && (t === null || this.serverTimer < t)) t = this.serverTimer;
    return t;
  }

  private deliverDue(): void {
    while (this.queue.length > 0 && (this.queue[0] as Scheduled).at <= this.now) {
      (this.queue.shift() as Scheduled).run();
      this.drainAll();
    }
    for (const c of this.clients) {
      if (c.timerAt !== null && c.timerAt <= this.now) {
        c.timerAt = null;
        this.feed(c.session, { type: 'timeout' });
      }
    }
    if (this.serverTimer !== null && this.serverTimer <= this.now) {
      this.serverTimer = null;
      this.server.handleTimeout(this.now);
    }
  }

  private drainClient(c: SimClient): boolean {
    let moved = false;
    for (;;) {
      const o = c.session.poll();
      if (o.type === 'timer') {
        if (o.at !== null && o.at < this.now) this.violations.push(`${c.name}: timer.at ${o.at} < now ${this.now}`);
        c.timerAt = o.at;
        return moved;
      }
      if (c.session.state === 'destroyed' && !['ws-close', 'udp-close', 'gateway-send', 'event'].includes(o.type)) {
        this.violations.push(`${c.name}: ${o.type} after destroy`);
      }
      moved = true;
      const key = `${c.name}:`;
      switch (o.type) {
        case 'event':
          c.events.push({ at: this.now, event: o.event });
          // a move outside SESSION_TRANSITIONS is a bug of the session: every simulated test fails on it
          if (o.event.type === 'warning' && o.event.code === 'E_ILLEGAL_TRANSITION') throw new Error(`${c.name}: ${o.event.message}`);
          c.outputTexts.push(JSON.stringify(o.event, (_k, v) => (v instanceof Uint8Array ? Array.from(v) : v)));
          break;
        case 'gateway-send': {
          const d = o.payload.d;
          c.outputTexts.push(JSON.stringify(o.payload));
          this.scheduleWs(`${key}gw`, () => this.server.handleGatewayVoiceStateUpdate(c.userId, d, this.now));
          break;
        }
        case 'ws-connect': {
          const endpoint = o.url.replace(/^wss?:\/\//, '').replace(/\/?\?v=\d+$/, '');
          const wsId = o.id;
          this.scheduleWs(`${key}ws${wsId}:up`, () => {
            if (!this.server.servesEndpoint(endpoint) || this.unreachable.has(endpoint)) {
              this.feed(c.session, { type: 'ws-close', id: wsId, code: 1006 });
              return;
            }
            const connId = this.server.handleWsOpen(this.now);
            this.wsToConn.set(`${c.name}:${wsId}`, connId);
            this.connToWs.set(connId, { client: c, wsId });
            this.feed(c.session, { type: 'ws-open', id: wsId });
          });
          break;
        }
        case 'ws-send': {
          const wsId = o.id;
          const data = o.data;
          if (typeof data === 'string' && !/"op":(0|7),/.test(data)) c.outputTexts.push(data);
          this.scheduleWs(`${key}ws${wsId}:up`, () => {
            const connId = this.wsToConn.get(`${c.name}:${wsId}`);
            if (connId === undefined || this.blackholed.has(`${c.name}:${wsId}`)) return;
            this.server.handleWsMessage(connId, data, this.now);
          });
          break;
        }
        case 'ws-close': {
          const wsId = o.id;
          const code = o.code;
          this.scheduleWs(`${key}ws${wsId}:up`, () => {
            const connId = this.wsToConn.get(`${c.name}:${wsId}`);
            this.wsToConn.delete(`${c.name}:${wsId}`);
            if (connId !== undefined) {
              this.connToWs.delete(connId);
              this.server.handleWsClose(connId, this.now);
            }
            this.feed(c.session, { type: 'ws-close', id: wsId, code });
          });
          break;
        }
        case 'udp-connect': {
          const addr = { address: '127.0.0.1', port: this.nextPort++ };
          this.clientUdp.set(`${c.name}:${o.id}`, addr);
          this.udpBindings.set(`${addr.address}:${addr.port}`, { client: c, udpId: o.id });
          break;
        }
        case 'udp-send': {
          const from = this.clientUdp.get(`${c.name}:${o.id}`);
          const data = o.data;
          if (from) this.scheduleUdp(() => this.server.handleUdp(from, data, this.now));
          break;
        }
        case 'udp-close': {
          const addr = this.clientUdp.get(`${c.name}:${o.id}`);
          this.clientUdp.delete(`${c.name}:${o.id}`);
          if (addr) this.udpBindings.delete(`${addr.address}:${addr.port}`);
          break;
        }
      }
    }
  }

  private drainServer(): boolean {
    let moved = false;
    for (;;) {
      const o = this.server.poll();
      if (o.type === 'timer') {
        this.serverTimer = o.at;
        return moved;
      }
      moved = true;
      switch (o.type) {
        case 'gateway-dispatch': {
          for (const k of ['token', 'session_id']) if (typeof o.d[k] === 'string') this.secrets.add(o.d[k] as string);
          const c = this.clients.find((x) => x.userId === o.userId);
          if (!c) break;
          const d = o.d;
          this.scheduleWs(`${c.name}:gw:down`, () => {
            if (o.t === 'VOICE_STATE_UPDATE') this.feed(c.session, { type: 'voice-state-update', d: d as never });
            else this.feed(c.session, { type: 'voice-server-update', d: d as never });
          });
          break;
        }
        case 'ws-send': {
          const target = this.connToWs.get(o.connId);
          if (!target) break;
          const data = o.data;
          if (typeof data === 'string' && data.includes('"secret_key"')) {
            // Only a real Session Description's key is a secret (hostile test messages carry junk "keys").
            const m = JSON.parse(data) as { op?: unknown; d?: { secret_key?: unknown } };
            const key = m.d?.secret_key;
            if (m.op === 4 && Array.isArray(key) && key.length === 32) {
              this.secrets.add(JSON.stringify(key));
              this.secrets.add(key.map((b: number) => b.toString(16).padStart(2, '0')).join(''));
            }
          }
          this.scheduleWs(`${target.client.name}:ws${target.wsId}:down`, () => this.feed(target.client.session, { type: 'ws-message', id: target.wsId, data }));
          break;
        }
        case 'ws-close': {
          const target = this.connToWs.get(o.connId);
          if (!target) break;
          this.connToWs.delete(o.connId);
          this.wsToConn.delete(`${target.client.name}:${target.wsId}`);
          const code = o.code;
          this.scheduleWs(`${target.client.name}:ws${target.wsId}:down`, () => this.feed(target.client.session, { type: 'ws-close', id: target.wsId, code }));
          break;
        }
        case 'ws-drop': {
          const target = this.connToWs.get(o.connId);
          if (!target) break;
          this.connToWs.delete(o.connId);
          this.blackholed.add(`${target.client.name}:${target.wsId}`);
          break;
        }
        case 'udp-send': {
          const b = this.udpBindings.get(`${o.to.address}:${o.to.port}`);
          if (!b) break;
          const data = o.data;
          this.scheduleUdp(() => {
            // the binding may have been closed while the datagram was in flight
            if (this.udpBindings.get(`${o.to.address}:${o.to.port}`) !== b) return;
            this.udpTap?.(b.client, b.udpId, data);
            this.feed(b.client.session, { type: 'udp-packet', id: b.udpId, bytes: data });
          });
          break;
        }
        case 'relay':
          this.relayed.push({ at: this.now, fromUserId: o.fromUserId, payload: o.payload });
          break;
      }
    }
  }
}
