/**
 * The sans-IO voice server: the server side of docs/protocol.md §1–§10, and the main gateway's part of §2 for tests.
 * This file is the voice gateway (Identify/Resume, Hello/Ready/Session Description, SSRCs, the per-session replay
 * buffer of v8 buffered resume, the DAVE wiring, deadlines) and the composition of the other rooms:
 *   main-gateway.ts  members' voice states from op 4, tokens, endpoints
 *   relay.ts         IP discovery, keepalive echoes, audio relayed like an SFU
 *   faults.ts        every fault switch a test can turn on (FaultPlan)
 *   keys.ts          the map keys, spelled once
 */
import {
  checkUdpEndpoint,
  closeCodePolicy,
  decodeDaveClientFrame,
  decodeGatewayMessage,
  encodeGatewayMessage,
  encodeDaveServerFrame,
  TransportCipher,
  VoiceOpcode,
  type KnownGatewayMessage,
  type TransportMode,
} from '@voicewire/voice-protocol';
import { DaveChannel } from './dave-group.js';
import { FaultPlan } from './faults.js';
import { channelKey, memberKey } from './keys.js';
import { MainGateway } from './main-gateway.js';
import { encodeExternalSender, externalSenderKey, type ExternalSenderKey } from './mls.js';
import { Relay } from './relay.js';
import type { Conn, ServerSession } from './session.js';
import type { ServerOutput, UdpAddress, VoiceServerCoreConfig } from './types.js';

export class VoiceServerCore {
  private readonly cfg: Required<Omit<VoiceServerCoreConfig, 'modes'>> & { modes: readonly TransportMode[] };
  private readonly queue: ServerOutput[] = [];
  private readonly conns = new Map<number, Conn>();
  /** memberKey(guild, user) → the member's voice session. */
  private readonly sessions = new Map<string, ServerSession>();
  private readonly gateway: MainGateway;
  private readonly relay: Relay;
  private readonly faults = new FaultPlan();
  private readonly daveOff = new Set<string>();
  private readonly daveOn = new Set<string>();
  private readonly daveChannels = new Map<string, DaveChannel>();
  private readonly daveKey: ExternalSenderKey;
  private readonly externalSender: Uint8Array;
  private nextConn = 1;
  private now = 0;
  readonly stats = { relayedPackets: 0, droppedPackets: 0, decryptFailures: 0, spoofedDiscoveries: 0, keepalivesEchoed: 0, rateLimited: 0, identifyTimeouts: 0 };

  constructor(config: VoiceServerCoreConfig) {
    const heartbeatIntervalMs = config.heartbeatIntervalMs ?? 13_750;
    this.cfg = {
      heartbeatIntervalMs,
      replayLimit: 256,
      resumeWindowMs: 30_000,
      sessionTimeoutMs: Math.round(heartbeatIntervalMs * 2.5),
      observeMedia: false,
      daveByDefault: true,
      daveTransitionTimeoutMs: 2_000,
      identifyTimeoutMs: 10_000,
      rateLimit: { windowMs: 60_000, messages: 120 },
      echoKeepalives: true,
      moreUdp: [],
      ...config,
      modes: config.modes ?? config.crypto.modes,
    };
    // The gateway's MLS external-sender credential (op 25), from the injected randomness.
    this.daveKey = externalSenderKey(this.randomBytes(48));
    this.externalSender = encodeExternalSender(this.daveKey, new Uint8Array(8));
    this.gateway = new MainGateway(this.cfg.endpoint, {
      dispatch: (userId, t, d) => this.queue.push({ type: 'gateway-dispatch', userId, t, d }),
      endVoiceSession: (guildId, userId, code) => {
        const s = this.sessionOf(userId, guildId);
        if (s) this.endSession(s, code);
      },
      randomHex: (n) => this.randomHex(n),
    });
    this.relay = new Relay(this.queue, this.stats, this.faults, {
      observeMedia: this.cfg.observeMedia,
      echoKeepalives: this.cfg.echoKeepalives,
      isDeaf: (l) => this.gateway.voiceState(l.userId, l.guildId)?.selfDeaf === true,
    });
  }

  /** DAVE on or off for one channel (off emulates a Stage channel). */
  setDaveRequired(channelId: string, required: boolean): void {
    (required ? this.daveOn : this.daveOff).add(channelId);
    (required ? this.daveOff : this.daveOn).delete(channelId);
  }

  isDaveChannel(channelId: string): boolean {
    return this.daveOn.has(channelId) || (this.cfg.daveByDefault && !this.daveOff.has(channelId));
  }

  /** Members of the channel's MLS group as the gateway tracks them (for tests). */
  daveMembers(guildId: string, channelId: string): string[] {
    return this.daveChannels.get(channelKey(guildId, channelId))?.members ?? [];
  }

  /** Downgrades (protocolVersion 0) or changes the DAVE protocol of a call through op 21/22. */
  daveTransition(guildId: string, channelId: string, protocolVersion: number): void {
    this.daveChannels.get(channelKey(guildId, channelId))?.prepareTransition(protocolVersion);
  }

  daveStats(guildId: string, channelId: string): DaveChannel['stats'] | undefined {
    return this.daveChannels.get(channelKey(guildId, channelId))?.stats;
  }

  /**
   * A member's voice state as the main gateway last set it (its op 4): the channel and the self mute/deaf flags,
   * in `guildId` or the user's first guild; undefined when the user is in no voice channel there.
   */
  voiceState(userId: string, guildId?: string): { guildId: string; channelId: string; selfMute: boolean; selfDeaf: boolean } | undefined {
    const v = this.gateway.voiceState(userId, guildId);
    return v && { guildId: v.guildId, channelId: v.channelId, selfMute: v.selfMute, selfDeaf: v.selfDeaf };
  }

  /** Every member's voice state in the guild, as GUILD_CREATE's `voice_states` carries them (no tokens). */
  voiceStatesIn(guildId: string): { userId: string; channelId: string; sessionId: string; selfMute: boolean; selfDeaf: boolean }[] {
    return this.gateway.voiceStates(guildId).map((v) => ({ userId: v.userId, channelId: v.channelId, sessionId: v.sessionId, selfMute: v.selfMute, selfDeaf: v.selfDeaf }));
  }

  // ───────────────────────────── main gateway part ─────────────────────────────

  /** A client's op 4 Voice State Update on the main gateway (docs/protocol.md §2.1). */
  handleGatewayVoiceStateUpdate(userId: string, d: { guild_id: string; channel_id: string | null; self_mute?: boolean; self_deaf?: boolean }, now: number): void {
    this.advance(now);
    this.gateway.voiceStateUpdate(userId, d);
  }

  // ───────────────────────────── voice WebSocket ─────────────────────────────

  /** A new voice WebSocket connection: returns its id for later inputs; Hello goes out at once. */
  handleWsOpen(now: number): number {
    this.advance(now);
    const conn: Conn = { id: this.nextConn++, session: null, dropped: false, lastHeartbeatAt: now, openedAt: now, windowStart: now, messages: 0, heartbeats: 0 };
    this.conns.set(conn.id, conn);
    this.sendTo(conn, { op: VoiceOpcode.Hello, d: { heartbeatInterval: this.cfg.heartbeatIntervalMs, v: 8 } });
    return conn.id;
  }

  handleWsMessage(connId: number, data: string | Uint8Array, now: number): void {
    this.advance(now);
    const conn = this.conns.get(connId);
    if (!conn || conn.dropped) return;
    if (this.overRateLimit(conn, data, now)) return;
    if (typeof data !== 'string') return this.onBinary(conn, data);
    const r = decodeGatewayMessage(data);
    if (!r.ok) return this.closeConn(conn, 4002);
    const m = r.value;
    if (m.op === 'unknown') return this.closeConn(conn, 4001);
    switch (m.op) {
      case VoiceOpcode.Identify:
        return this.onIdentify(conn, m.d, now);
      case VoiceOpcode.Resume:
        return this.onResume(conn, m.d, now);
      case VoiceOpcode.Heartbeat:
        conn.lastHeartbeatAt = now;
        if (!conn.session || this.faults.acking(conn.session)) this.sendTo(conn, { op: VoiceOpcode.HeartbeatAck, d: { t: m.d.t } });
        return;
      case VoiceOpcode.SelectProtocol: {
        const s = conn.session;
        if (!s) return this.closeConn(conn, 4003);
        if (m.d.protocol !== 'udp') return this.closeConn(conn, 4012);
        if (!(this.cfg.modes as readonly string[]).includes(m.d.mode)) return this.closeConn(conn, 4016);
        if (!checkUdpEndpoint(m.d.address, m.d.port).ok) return this.closeConn(conn, 4020); // nowhere to send media
        const mode = m.d.mode as TransportMode;
        const key = this.randomBytes(32);
        s.cipher = new TransportCipher(this.cfg.crypto, mode, key);
        s.mode = mode;
        s.udpDest = { address: m.d.address, port: m.d.port };
        this.sendNumbered(s, { op: VoiceOpcode.SessionDescription, d: { mode, secretKey: key, daveProtocolVersion: s.dave ? 1 : 0 } });
        if (s.dave) this.sendNumberedBinary(s, (seq) => encodeDaveServerFrame({ op: VoiceOpcode.DaveMlsExternalSender, seq, externalSender: this.externalSender }));
        this.joinChannel(s);
        return;
      }
      case VoiceOpcode.Speaking: {
        const s = conn.session;
        if (!s) return this.closeConn(conn, 4003);
        s.speaking = m.d.speaking;
        for (const other of this.channelPeers(s)) this.sendNumbered(other, { op: VoiceOpcode.Speaking, d: { userId: s.userId, ssrc: s.ssrc, speaking: s.speaking } });
        return;
      }
      case VoiceOpcode.DaveTransitionReady: {
        const s = conn.session;
        if (s?.dave) this.daveChannel(s).onTransitionReady(s.userId, m.d.transitionId);
        return;
      }
      case VoiceOpcode.DaveMlsInvalidCommitWelcome: {
        const s = conn.session;
        if (s?.dave) this.daveChannel(s).onInvalidCommitWelcome(s.userId);
        return;
      }
      default:
        return this.closeConn(conn, 4001);
    }
  }

  handleWsClose(connId: number, now: number): void {
    this.advance(now);
    const conn = this.conns.get(connId);
    if (!conn) return;
    this.conns.delete(connId);
    this.detach(conn, now);
  }

  // ───────────────────────────── UDP ─────────────────────────────

  /** One datagram from `from`, received on UDP server `via` (0: `udp`, i: `moreUdp[i - 1]`). */
  handleUdp(from: UdpAddress, bytes: Uint8Array, now: number, via = 0): void {
    // The hot path: only the clock moves here; deadlines run from handleTimeout (the timer output), so a packet
    // costs O(listeners) however many sessions there are.
    if (now > this.now) this.now = now;
    this.relay.handle(from, bytes, via);
  }

  // ───────────────────────────── time and outputs ─────────────────────────────

  handleTimeout(now: number): void {
    this.advance(now);
  }

  poll(): ServerOutput {
    return this.queue.shift() ?? { type: 'timer', at: this.nextDeadline() };
  }

  /** Outputs queued before the closing `timer` (a UDP input moves no deadline, so a driver may drain just these). */
  get pendingOutputs(): number {
    return this.queue.length;
  }

  // ───────────────────────────── fault injection ─────────────────────────────

  /** The sessions a fault control addresses: the user's, in one guild when `guildId` is given. */
  private targets(userId: string, guildId?: string): ServerSession[] {
    return [...this.sessions.values()].filter((s) => s.userId === userId && (guildId === undefined || s.guildId === guildId));
  }

  /**
   * Closes the user's voice socket with `code` (in one guild when `guildId` is given). Codes a client resumes
   * after (closeCodePolicy: below 4000, 4013, 4015) keep the session; the others end it. A socket silenced by
   * dropSocket() is closed too.
   */
  closeSocket(userId: string, code: number, guildId?: string): void {
    const resumable = closeCodePolicy(code).action === 'resume';
    for (const s of this.targets(userId, guildId)) {
      if (!s.conn) {
        const dropped = this.faults.takeDroppedConn(s);
        if (dropped !== null) this.queue.push({ type: 'ws-close', connId: dropped, code });
        if (!resumable) this.removeSession(s);
        continue;
      }
      if (resumable) this.closeConn(s.conn, code);
      else this.endSession(s, code);
    }
  }

  /** The user's socket goes silent without a close frame; the client must notice through heartbeats. */
  dropSocket(userId: string, guildId?: string): void {
    for (const s of this.targets(userId, guildId)) {
      if (!s.conn) continue;
      this.faults.setDroppedConn(s, s.conn.id);
      s.conn.dropped = true;
      this.queue.push({ type: 'ws-drop', connId: s.conn.id });
      this.conns.delete(s.conn.id);
      this.detach(s.conn, this.now);
    }
  }

  /** The user's UDP path becomes a black hole both ways (or works again): nothing arrives, nothing is echoed. */
  setUdpSilent(userId: string, silent: boolean, guildId?: string): void {
    for (const s of this.targets(userId, guildId)) this.faults.setUdpSilent(s, silent);
  }

  /** Loses every `n`-th audio packet the user sends on its way to the listeners (n = 10: 10 % loss; 0 stops). */
  setRelayLoss(userId: string, n: number, guildId?: string): void {
    for (const s of this.targets(userId, guildId)) this.faults.setRelayLoss(s, n);
  }

  /** Stop (or resume) answering the user's heartbeats. */
  setAcking(userId: string, acking: boolean, guildId?: string): void {
    for (const s of this.targets(userId, guildId)) this.faults.setAcking(s, acking);
  }

  /**
   * Voice server migration (docs/protocol.md §2.3–§2.4): every session in the guild gets a VOICE_SERVER_UPDATE with
   * a new token and `endpoint` (null = reallocating), and its old socket is closed with 4022.
   */
  changeEndpoint(guildId: string, endpoint: string | null): void {
    this.gateway.changeEndpoint(guildId, endpoint);
  }

  /** A full channel: op 4 for it gets no answer at all, as on Discord. */
  setChannelFull(channelId: string, full: boolean): void {
    this.gateway.setChannelFull(channelId, full);
  }

  /** Sends raw data (e.g. malformed JSON) on the user's socket. */
  sendRaw(userId: string, data: string | Uint8Array, guildId?: string): void {
    for (const s of this.targets(userId, guildId)) if (s.conn) this.queue.push({ type: 'ws-send', connId: s.conn.id, data });
  }

  /** Endpoints this server answers to (the configured one and any set by changeEndpoint). */
  servesEndpoint(endpoint: string): boolean {
    return this.gateway.servesEndpoint(endpoint);
  }

  sessionCount(): number {
    return this.sessions.size;
  }

  // ───────────────────────────── internals ─────────────────────────────

  private onIdentify(conn: Conn, d: { serverId: string; userId: string; sessionId: string; token: string; maxDaveProtocolVersion?: number }, now: number): void {
    if (conn.session) return this.closeConn(conn, 4005);
    const p = this.gateway.voiceState(d.userId, d.serverId);
    if (!p || p.token !== d.token || p.sessionId !== d.sessionId) return this.closeConn(conn, 4004);
    const dave = this.isDaveChannel(p.channelId);
    // Since 2026-03-02 a client without DAVE is refused in E2EE channels (docs/protocol.md §7, §11.1).
    if (dave && (d.maxDaveProtocolVersion ?? 0) < 1) return this.closeConn(conn, 4017);
    const old = this.sessionOf(d.userId, d.serverId);
    if (old) this.endSession(old, 4014);
    const s: ServerSession = {
      sessionId: p.sessionId,
      userId: p.userId,
      guildId: p.guildId,
      channelId: p.channelId,
      token: p.token,
      ssrc: this.newSsrc(),
      conn,
      detachedAt: 0,
      seq: 0,
      replay: [],
      cipher: null,
      mode: null,
      udpSource: null,
      udpDest: null,
      udpServer: this.nextUdpServer(),
      nonce: 0,
      speaking: 0,
      packetsRelayedIn: 0,
      dave,
    };
    conn.session = s;
    conn.lastHeartbeatAt = now;
    this.sessions.set(memberKey(s.guildId, s.userId), s);
    this.relay.add(s);
    const udp = s.udpServer === 0 ? this.cfg.udp : (this.cfg.moreUdp[s.udpServer - 1] ?? this.cfg.udp);
    this.sendTo(conn, { op: VoiceOpcode.Ready, d: { ssrc: s.ssrc, ip: udp.address, port: udp.port, modes: this.cfg.modes } });
  }

  private onResume(conn: Conn, d: { serverId: string; sessionId: string; token: string; seqAck?: number }, now: number): void {
    const s = [...this.sessions.values()].find((x) => x.sessionId === d.sessionId && x.guildId === d.serverId);
    if (!s || s.token !== d.token || !s.cipher) return this.closeConn(conn, 4006);
    const ack = d.seqAck ?? -1;
    const oldest = s.replay[0]?.seq;
    if (oldest !== undefined && oldest > ack + 1) return this.closeConn(conn, 4006); // missed messages fell out of the buffer
    if (s.conn && s.conn !== conn) {
      this.queue.push({ type: 'ws-drop', connId: s.conn.id });
      this.conns.delete(s.conn.id);
    }
    s.conn = conn;
    conn.session = s;
    conn.lastHeartbeatAt = now;
    this.sendTo(conn, { op: VoiceOpcode.Resumed, d: null });
    for (const m of s.replay) if (m.seq > ack) this.queue.push({ type: 'ws-send', connId: conn.id, data: m.data });
  }

  private onBinary(conn: Conn, data: Uint8Array): void {
    const s = conn.session;
    if (!s) return this.closeConn(conn, 4003);
    const f = decodeDaveClientFrame(data);
    if (!f.ok || !s.dave) return this.closeConn(conn, 4020);
    const channel = this.daveChannel(s);
    if (f.value.op === VoiceOpcode.DaveMlsKeyPackage) {
      if (!channel.onKeyPackage(s.userId, f.value.keyPackage)) this.closeConn(conn, 4020);
    } else channel.onCommitWelcome(s.userId, f.value.commitWelcome);
  }

  private daveChannel(s: ServerSession): DaveChannel {
    const key = channelKey(s.guildId, s.channelId);
    let c = this.daveChannels.get(key);
    if (!c) {
      c = new DaveChannel(s.channelId, this.daveKey, {
        sendBinary: (userId, make) => {
          const target = this.sessionOf(userId, s.guildId);
          if (target) this.sendNumberedBinary(target, make);
        },
        sendJson: (userId, m) => {
          const target = this.sessionOf(userId, s.guildId);
          if (target) this.sendNumbered(target, m);
        },
        now: () => this.now,
      }, this.cfg.daveTransitionTimeoutMs);
      this.daveChannels.set(key, c);
    }
    return c;
  }

  private joinChannel(s: ServerSession): void {
    const peers = this.channelPeers(s);
    this.sendNumbered(s, { op: VoiceOpcode.ClientsConnect, d: { userIds: peers.map((p) => p.userId) } });
    for (const p of peers) {
      if (p.speaking) this.sendNumbered(s, { op: VoiceOpcode.Speaking, d: { userId: p.userId, ssrc: p.ssrc, speaking: p.speaking } });
      this.sendNumbered(p, { op: VoiceOpcode.ClientsConnect, d: { userIds: [s.userId] } });
    }
  }

  private endSession(s: ServerSession, code: number): void {
    if (s.conn) this.closeConn(s.conn, code, false);
    this.removeSession(s);
  }

  private removeSession(s: ServerSession): void {
    const key = memberKey(s.guildId, s.userId);
    if (this.sessions.get(key) !== s) return;
    this.sessions.delete(key);
    this.relay.remove(s);
    if (s.dave) this.daveChannel(s).onLeave(s.userId);
    if (s.cipher) for (const p of this.channelPeers(s)) this.sendNumbered(p, { op: VoiceOpcode.ClientDisconnect, d: { userId: s.userId } });
  }

  private closeConn(conn: Conn, code: number, detach = true): void {
    this.queue.push({ type: 'ws-close', connId: conn.id, code });
    this.conns.delete(conn.id);
    if (detach) {
      this.detach(conn, this.now);
      // A session that was never established cannot be resumed.
      if (conn.session && !conn.session.cipher) this.removeSession(conn.session);
    } else if (conn.session) conn.session.conn = null;
  }

  private detach(conn: Conn, now: number): void {
    const s = conn.session;
    if (s && s.conn === conn) {
      s.conn = null;
      s.detachedAt = now;
    }
  }

  private channelPeers(s: ServerSession): ServerSession[] {
    return this.relay.peers(s);
  }

  private sendTo(conn: Conn, m: KnownGatewayMessage): void {
    this.queue.push({ type: 'ws-send', connId: conn.id, data: encodeGatewayMessage(m) });
  }

  /** Messages a resumed client must not miss carry `seq` and go into the replay buffer (docs/protocol.md §3.3, §6). */
  private sendNumbered(s: ServerSession, m: KnownGatewayMessage): void {
    this.sendNumberedData(s, (seq) => encodeGatewayMessage({ ...m, seq } as KnownGatewayMessage));
  }

  /** Binary DAVE frames share the counter; their 2-byte header carries it modulo 2^16. */
  private sendNumberedBinary(s: ServerSession, make: (seq: number) => Uint8Array): void {
    this.sendNumberedData(s, (seq) => make(seq & 0xffff));
  }

  private sendNumberedData(s: ServerSession, make: (seq: number) => string | Uint8Array): void {
    const seq = ++s.seq;
    const data = make(seq);
    s.replay.push({ seq, data });
    if (s.replay.length > this.cfg.replayLimit) s.replay.shift();
    if (s.conn && !s.conn.dropped) this.queue.push({ type: 'ws-send', connId: s.conn.id, data });
  }

  private advance(now: number): void {
    if (now > this.now) this.now = now;
    for (const conn of [...this.conns.values()]) {
      if (conn.session && now - conn.lastHeartbeatAt > this.cfg.sessionTimeoutMs) this.endSession(conn.session, 4009);
      else if (!conn.session && now - conn.openedAt > this.cfg.identifyTimeoutMs) {
        // a socket that never identifies is not kept open forever
        this.stats.identifyTimeouts++;
        this.closeConn(conn, 4003);
      }
    }
    for (const s of [...this.sessions.values()]) {
      if (!s.conn && s.detachedAt > 0 && now - s.detachedAt > this.cfg.resumeWindowMs) this.removeSession(s);
    }
    for (const c of this.daveChannels.values()) c.tick(now);
  }

  private nextDeadline(): number | null {
    let min: number | null = null;
    const consider = (at: number): void => {
      if (min === null || at < min) min = at;
    };
    for (const c of this.conns.values()) consider(c.session ? c.lastHeartbeatAt + this.cfg.sessionTimeoutMs + 1 : c.openedAt + this.cfg.identifyTimeoutMs + 1);
    for (const s of this.sessions.values()) if (!s.conn && s.detachedAt > 0) consider(s.detachedAt + this.cfg.resumeWindowMs + 1);
    for (const c of this.daveChannels.values()) {
      const d = c.deadline();
      if (d !== null) consider(d);
    }
    return min === null ? null : Math.max(min, this.now);
  }

  /**
   * Per-socket rate limit: at most `rateLimit.messages` messages per window besides heartbeats, and heartbeats
   * no faster than twice per heartbeat interval (plus slack). Over it the socket is closed with 4021, as Discord
   * does ("Disconnected: Rate Limited").
   */
  private overRateLimit(conn: Conn, data: string | Uint8Array, now: number): boolean {
    const { windowMs, messages } = this.cfg.rateLimit;
    if (now - conn.windowStart >= windowMs) {
      conn.windowStart = now;
      conn.messages = 0;
      conn.heartbeats = 0;
    }
    const heartbeat = typeof data === 'string' && data.length < 200 && /"op"\s*:\s*3\b/.test(data);
    const over = heartbeat ? ++conn.heartbeats > Math.ceil(windowMs / (this.cfg.heartbeatIntervalMs / 2)) + 10 : ++conn.messages > messages;
    if (!over) return false;
    this.stats.rateLimited++;
    if (conn.session && conn.session.conn === conn) this.endSession(conn.session, 4021);
    else this.closeConn(conn, 4021);
    return true;
  }

  private sessionOf(userId: string, guildId: string): ServerSession | undefined {
    return this.sessions.get(memberKey(guildId, userId));
  }

  private udpTurn = 0;
  /** The UDP servers in turn, one per new session (always 0 with one server). */
  private nextUdpServer(): number {
    const n = 1 + this.cfg.moreUdp.length;
    const i = this.udpTurn % n;
    this.udpTurn = (this.udpTurn + 1) % n;
    return i;
  }

  private newSsrc(): number {
    for (;;) {
      const ssrc = 1 + Math.floor(this.cfg.random() * 0xfffffffe);
      if (!this.relay.hasSsrc(ssrc)) return ssrc;
    }
  }

  private randomBytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = Math.floor(this.cfg.random() * 256);
    return out;
  }

  private randomHex(n: number): string {
    return Array.from(this.randomBytes(n), (b) => b.toString(16).padStart(2, '0')).join('');
  }

}
