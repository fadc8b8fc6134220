/**
 * The sans-IO voice server: the server side of docs/protocol.md §1–§10, and the main gateway's part of §2 for tests.
 * It accepts Identify/Resume, sends Hello/Ready/Session Description, assigns SSRCs, answers IP discovery, keeps
 * a per-session replay buffer for v8 buffered resume, and relays audio like an SFU: it opens each packet with
 * the sender's key and seals it again for every listener with the listener's key and nonce counter.
 */
import {
  checkUdpEndpoint,
  classifyDatagram,
  decodeDaveClientFrame,
  decodeGatewayMessage,
  decodeIpDiscoveryRequest,
  encodeGatewayMessage,
  encodeIpDiscoveryResponse,
  encodeDaveServerFrame,
  encodeRtpHeader,
  readU32,
  TransportCipher,
  type KnownGatewayMessage,
  type TransportMode,
} from '@voicewire/voice-protocol';
import { DaveChannel } from './dave-group.js';
import { encodeExternalSender, externalSenderKey, type ExternalSenderKey } from './mls.js';
import type { ServerOutput, UdpAddress, VoiceServerCoreConfig } from './types.js';

interface Conn {
  readonly id: number;
  session: ServerSession | null;
  dropped: boolean;
  lastHeartbeatAt: number;
  readonly openedAt: number;
  /** Messages in the current rate-limit window, and when it started. */
  windowStart: number;
  messages: number;
  heartbeats: number;
}

interface ServerSession {
  readonly sessionId: string;
  readonly userId: string;
  readonly guildId: string;
  channelId: string;
  token: string;
  ssrc: number;
  conn: Conn | null;
  detachedAt: number;
  seq: number;
  readonly replay: { seq: number; data: string | Uint8Array }[];
  cipher: TransportCipher | null;
  mode: TransportMode | null;
  udpSource: UdpAddress | null;
  udpDest: UdpAddress | null;
  nonce: number;
  speaking: number;
  acking: boolean;
  packetsRelayedIn: number;
  /** DAVE negotiated for this session (protocol version 1). */
  dave: boolean;
  /** The socket dropSocket() silenced, so that a later closeSocket() can still close it. */
  droppedConnId: number | null;
  /** Fault injection: the UDP path is a black hole both ways. */
  udpSilent: boolean;
  /** Fault injection: relay loss — every `dropEvery`-th audio packet of this sender is not relayed (0: none). */
  dropEvery: number;
  relayCount: number;
}

interface Pending {
  selfMute: boolean;
  selfDeaf: boolean;
  userId: string;
  guildId: string;
  channelId: string;
  sessionId: string;
  token: string;
}

export class VoiceServerCore {
  private readonly cfg: Required<Omit<VoiceServerCoreConfig, 'modes'>> & { modes: readonly TransportMode[] };
  private readonly queue: ServerOutput[] = [];
  private readonly conns = new Map<number, Conn>();
  private readonly sessions = new Map<string, ServerSession>();
  /** SSRC → session: the relay looks the sender up for every packet. */
  private readonly bySsrc = new Map<number, ServerSession>();
  /** guild:channel → its sessions: the relay fans out to a channel for every packet. */
  private readonly byChannel = new Map<string, Set<ServerSession>>();
  /** userId → main-gateway session id (stable per user, as Discord's is per gateway connection). */
  private readonly gatewaySessionIds = new Map<string, string>();
  /** guildId:userId → the token and channel from the latest op 4. */
  private readonly pending = new Map<string, Pending>();
  private readonly endpoints = new Map<string, string>();
  private readonly fullChannels = new Set<string>();
  private readonly daveOff = new Set<string>();
  private readonly daveOn = new Set<string>();
  private readonly daveChannels = new Map<string, DaveChannel>();
  /** "address|port" → the session whose IP discovery came from there (keepalive echoes go back only to those). */
  private readonly byUdpSource = new Map<string, ServerSession>();
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
      ...config,
      modes: config.modes ?? config.crypto.modes,
    };
    // The gateway's MLS external-sender credential (op 25), from the injected randomness.
    this.daveKey = externalSenderKey(this.randomBytes(48));
    this.externalSender = encodeExternalSender(this.daveKey, new Uint8Array(8));
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
    return this.daveChannels.get(`${guildId}:${channelId}`)?.members ?? [];
  }

  /** Downgrades (protocolVersion 0) or changes the DAVE protocol of a call through op 21/22. */
  daveTransition(guildId: string, channelId: string, protocolVersion: number): void {
    this.daveChannels.get(`${guildId}:${channelId}`)?.prepareTransition(protocolVersion);
  }

  daveStats(guildId: string, channelId: string): DaveChannel['stats'] | undefined {
    return this.daveChannels.get(`${guildId}:${channelId}`)?.stats;
  }

  /**
   * A member's voice state as the main gateway last set it (its op 4): the channel and the self mute/deaf flags,
   * in `guildId` or the user's first guild; undefined when the user is in no voice channel there.
   */
  voiceState(userId: string, guildId?: string): { guildId: string; channelId: string; selfMute: boolean; selfDeaf: boolean } | undefined {
    for (const p of this.pending.values()) {
      if (p.userId === userId && (guildId === undefined || p.guildId === guildId)) return { guildId: p.guildId, channelId: p.channelId, selfMute: p.selfMute, selfDeaf: p.selfDeaf };
    }
    return undefined;
  }

  // ───────────────────────────── main gateway part ─────────────────────────────

  /** A client's op 4 Voice State Update on the main gateway (docs/protocol.md §2.1). */
  handleGatewayVoiceStateUpdate(userId: string, d: { guild_id: string; channel_id: string | null; self_mute?: boolean; self_deaf?: boolean }, now: number): void {
    this.advance(now);
    const key = `${d.guild_id}:${userId}`;
    const sessionId = this.gatewaySessionId(userId);
    const existing = this.sessionOf(userId, d.guild_id);
    if (d.channel_id === null) {
      this.pending.delete(key);
      if (existing) this.endSession(existing, 4014);
      this.dispatch(userId, 'VOICE_STATE_UPDATE', { guild_id: d.guild_id, channel_id: null, user_id: userId, session_id: sessionId, self_mute: !!d.self_mute, self_deaf: !!d.self_deaf });
      return;
    }
    const prev = this.pending.get(key);
    const flagsChanged = prev !== undefined && (prev.selfMute !== !!d.self_mute || prev.selfDeaf !== !!d.self_deaf);
    if (prev && prev.channelId === d.channel_id && flagsChanged) {
      prev.selfMute = !!d.self_mute;
      prev.selfDeaf = !!d.self_deaf;
      // Same channel as the member's voice state: only the self mute/deaf flags changed. Discord answers with a
      // VOICE_STATE_UPDATE alone — also while the client is still connecting to the voice server of a join or a
      // move (the voice state already names the channel; the token it was given stays valid).
      this.dispatch(userId, 'VOICE_STATE_UPDATE', { guild_id: d.guild_id, channel_id: d.channel_id, user_id: userId, session_id: sessionId, self_mute: !!d.self_mute, self_deaf: !!d.self_deaf, deaf: false, mute: false, suppress: false });
      return;
    }
    if (this.fullChannels.has(d.channel_id)) return; // Discord answers nothing when the channel is full (§2.1)
    const token = this.randomToken();
    this.pending.set(key, { userId, guildId: d.guild_id, channelId: d.channel_id, sessionId, token, selfMute: !!d.self_mute, selfDeaf: !!d.self_deaf });
    this.dispatch(userId, 'VOICE_STATE_UPDATE', { guild_id: d.guild_id, channel_id: d.channel_id, user_id: userId, session_id: sessionId, self_mute: !!d.self_mute, self_deaf: !!d.self_deaf, deaf: false, mute: false, suppress: false });
    this.dispatch(userId, 'VOICE_SERVER_UPDATE', { token, guild_id: d.guild_id, endpoint: this.endpointFor(d.guild_id) });
    // A join or move invalidates the old voice session; the client Identifies fresh with the new token.
    if (existing) this.endSession(existing, 4014);
  }

  // ───────────────────────────── voice WebSocket ─────────────────────────────

  /** A new voice WebSocket connection: returns its id for later inputs; Hello goes out at once. */
  handleWsOpen(now: number): number {
    this.advance(now);
    const conn: Conn = { id: this.nextConn++, session: null, dropped: false, lastHeartbeatAt: now, openedAt: now, windowStart: now, messages: 0, heartbeats: 0 };
    this.conns.set(conn.id, conn);
    this.sendTo(conn, { op: 8, d: { heartbeatInterval: this.cfg.heartbeatIntervalMs, v: 8 } });
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
      case 0:
        return this.onIdentify(conn, m.d, now);
      case 7:
        return this.onResume(conn, m.d, now);
      case 3:
        conn.lastHeartbeatAt = now;
        if (!conn.session || conn.session.acking) this.sendTo(conn, { op: 6, d: { t: m.d.t } });
        return;
      case 1: {
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
        this.sendNumbered(s, { op: 4, d: { mode, secretKey: key, daveProtocolVersion: s.dave ? 1 : 0 } });
        if (s.dave) this.sendNumberedBinary(s, (seq) => encodeDaveServerFrame({ op: 25, seq, externalSender: this.externalSender }));
        this.joinChannel(s);
        return;
      }
      case 5: {
        const s = conn.session;
        if (!s) return this.closeConn(conn, 4003);
        s.speaking = m.d.speaking;
        for (const other of this.channelPeers(s)) this.sendNumbered(other, { op: 5, d: { userId: s.userId, ssrc: s.ssrc, speaking: s.speaking } });
        return;
      }
      case 23: {
        const s = conn.session;
        if (s?.dave) this.daveChannel(s).onTransitionReady(s.userId, m.d.transitionId);
        return;
      }
      case 31: {
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

  handleUdp(from: UdpAddress, bytes: Uint8Array, now: number): void {
    // The hot path: only the clock moves here; deadlines run from handleTimeout (the timer output), so a packet
    // costs O(1) however many sessions there are.
    if (now > this.now) this.now = now;
    const kind = classifyDatagram(bytes);
    if (bytes.length === 74 && bytes[1] === 1) {
      const req = decodeIpDiscoveryRequest(bytes);
      if (!req.ok) return;
      const s = this.sessionBySsrc(req.value.ssrc);
      if (!s || s.udpSilent) return;
      // The UDP address is bound once per session, to the socket that discovered first: a spoofed request with
      // someone else's SSRC must not re-route their audio.
      if (s.udpSource && (s.udpSource.address !== from.address || s.udpSource.port !== from.port)) {
        this.stats.spoofedDiscoveries++;
        return;
      }
      s.udpSource = { address: from.address, port: from.port };
      this.byUdpSource.set(`${from.address}|${from.port}`, s);
      this.queue.push({ type: 'udp-send', to: from, data: encodeIpDiscoveryResponse({ ssrc: req.value.ssrc, address: from.address, port: from.port }) });
      return;
    }
    if (kind !== 'rtp-opus') {
      // Keepalives are echoed to the session that owns the address (Discord used to; clients use the echo to
      // tell a live UDP path from a dead one). RTCP is accepted, not relayed.
      if (bytes.length === 8 && this.cfg.echoKeepalives) {
        const owner = this.byUdpSource.get(`${from.address}|${from.port}`);
        if (owner && !owner.udpSilent) {
          this.stats.keepalivesEchoed++;
          this.queue.push({ type: 'udp-send', to: from, data: bytes.slice() });
        }
      }
      return;
    }
    const s = this.sessionBySsrc(readU32(bytes, 8));
    if (!s || !s.cipher || !s.udpSource || s.udpSilent || s.udpSource.address !== from.address || s.udpSource.port !== from.port) {
      this.stats.droppedPackets++;
      return;
    }
    // Members who deafened themselves get no audio, as on Discord.
    const listeners = this.channelPeers(s).filter((l) => l.cipher && l.udpDest && !l.udpSilent && this.pending.get(`${l.guildId}:${l.userId}`)?.selfDeaf !== true);
    if (listeners.length === 0 && !this.cfg.observeMedia) {
      s.packetsRelayedIn++; // nobody to relay to: an SFU does not need to open it
      return;
    }
    const opened = s.cipher.openRtp(bytes);
    if (!opened.ok) {
      this.stats.decryptFailures++;
      return;
    }
    s.packetsRelayedIn++;
    if (s.dropEvery > 0 && ++s.relayCount % s.dropEvery === 0) {
      this.stats.droppedPackets++;
      return; // injected loss
    }
    const { sequence, timestamp, ssrc } = opened.value.header;
    const payload = opened.value.payload;
    if (this.cfg.observeMedia) this.queue.push({ type: 'relay', fromUserId: s.userId, ssrc, payload });
    const header = encodeRtpHeader({ sequence, timestamp, ssrc });
    for (const listener of listeners) {
      if (!listener.cipher || !listener.udpDest) continue;
      listener.nonce = (listener.nonce + 1) >>> 0;
      this.queue.push({ type: 'udp-send', to: listener.udpDest, data: listener.cipher.sealRtp(header, payload, listener.nonce) });
      this.stats.relayedPackets++;
    }
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
   * Closes the user's voice socket with `code` (in one guild when `guildId` is given). Codes that end a session
   * (4006, 4009, 4014, 4022…) forget it. A socket silenced by dropSocket() is closed too.
   */
  closeSocket(userId: string, code: number, guildId?: string): void {
    for (const s of this.targets(userId, guildId)) {
      if (!s.conn) {
        if (s.droppedConnId !== null) this.queue.push({ type: 'ws-close', connId: s.droppedConnId, code });
        s.droppedConnId = null;
        if (!(code < 4000 || code === 4015 || code === 4013)) this.removeSession(s);
        continue;
      }
      const resumable = code < 4000 || code === 4015 || code === 4013;
      if (resumable) this.closeConn(s.conn, code);
      else this.endSession(s, code);
    }
  }

  /** The user's socket goes silent without a close frame; the client must notice through heartbeats. */
  dropSocket(userId: string, guildId?: string): void {
    for (const s of this.targets(userId, guildId)) {
      if (!s.conn) continue;
      s.droppedConnId = s.conn.id;
      s.conn.dropped = true;
      this.queue.push({ type: 'ws-drop', connId: s.conn.id });
      this.conns.delete(s.conn.id);
      this.detach(s.conn, this.now);
    }
  }

  /** The user's UDP path becomes a black hole both ways (or works again): nothing arrives, nothing is echoed. */
  setUdpSilent(userId: string, silent: boolean, guildId?: string): void {
    for (const s of this.targets(userId, guildId)) s.udpSilent = silent;
  }

  /** Loses every `n`-th audio packet the user sends on its way to the listeners (n = 10: 10 % loss; 0 stops). */
  setRelayLoss(userId: string, n: number, guildId?: string): void {
    for (const s of this.targets(userId, guildId)) {
      s.dropEvery = Number.isInteger(n) && n > 0 ? n : 0;
      s.relayCount = 0;
    }
  }

  /** Stop (or resume) answering the user's heartbeats. */
  setAcking(userId: string, acking: boolean, guildId?: string): void {
    for (const s of this.targets(userId, guildId)) s.acking = acking;
  }

  /**
   * Voice server migration (docs/protocol.md §2.3–§2.4): every session in the guild gets a VOICE_SERVER_UPDATE with
   * a new token and `endpoint` (null = reallocating), and its old socket is closed with 4022.
   */
  changeEndpoint(guildId: string, endpoint: string | null): void {
    if (endpoint !== null) this.endpoints.set(guildId, endpoint);
    const users = new Set<string>();
    for (const p of this.pending.values()) if (p.guildId === guildId) users.add(p.userId);
    for (const userId of users) {
      const p = this.pending.get(`${guildId}:${userId}`) as Pending;
      p.token = this.randomToken();
      this.dispatch(userId, 'VOICE_SERVER_UPDATE', { token: p.token, guild_id: guildId, endpoint });
      const s = this.sessionOf(userId, guildId);
      if (s) this.endSession(s, 4022);
    }
  }

  /** A full channel: op 4 for it gets no answer at all, as on Discord. */
  setChannelFull(channelId: string, full: boolean): void {
    if (full) this.fullChannels.add(channelId);
    else this.fullChannels.delete(channelId);
  }

  /** Sends raw data (e.g. malformed JSON) on the user's socket. */
  sendRaw(userId: string, data: string | Uint8Array, guildId?: string): void {
    for (const s of this.targets(userId, guildId)) if (s.conn) this.queue.push({ type: 'ws-send', connId: s.conn.id, data });
  }

  /** Endpoints this server answers to (the configured one and any set by changeEndpoint). */
  servesEndpoint(endpoint: string): boolean {
    return endpoint === this.cfg.endpoint || [...this.endpoints.values()].includes(endpoint);
  }

  sessionCount(): number {
    return this.sessions.size;
  }

  // ───────────────────────────── internals ─────────────────────────────

  private onIdentify(conn: Conn, d: { serverId: string; userId: string; sessionId: string; token: string; maxDaveProtocolVersion?: number }, now: number): void {
    if (conn.session) return this.closeConn(conn, 4005);
    const p = this.pending.get(`${d.serverId}:${d.userId}`);
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
      nonce: 0,
      speaking: 0,
      acking: true,
      packetsRelayedIn: 0,
      dave,
      udpSilent: false,
      dropEvery: 0,
      relayCount: 0,
      droppedConnId: null,
    };
    conn.session = s;
    conn.lastHeartbeatAt = now;
    this.sessions.set(this.sessionKey(s.userId, s.guildId), s);
    this.bySsrc.set(s.ssrc, s);
    const ck = `${s.guildId}:${s.channelId}`;
    let members = this.byChannel.get(ck);
    if (!members) this.byChannel.set(ck, (members = new Set()));
    members.add(s);
    this.sendTo(conn, { op: 2, d: { ssrc: s.ssrc, ip: this.cfg.udp.address, port: this.cfg.udp.port, modes: this.cfg.modes } });
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
    this.sendTo(conn, { op: 9, d: null });
    for (const m of s.replay) if (m.seq > ack) this.queue.push({ type: 'ws-send', connId: conn.id, data: m.data });
  }

  private onBinary(conn: Conn, data: Uint8Array): void {
    const s = conn.session;
    if (!s) return this.closeConn(conn, 4003);
    const f = decodeDaveClientFrame(data);
    if (!f.ok || !s.dave) return this.closeConn(conn, 4020);
    const channel = this.daveChannel(s);
    if (f.value.op === 26) {
      if (!channel.onKeyPackage(s.userId, f.value.keyPackage)) this.closeConn(conn, 4020);
    } else channel.onCommitWelcome(s.userId, f.value.commitWelcome);
  }

  private daveChannel(s: ServerSession): DaveChannel {
    const key = `${s.guildId}:${s.channelId}`;
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
    this.sendNumbered(s, { op: 11, d: { userIds: peers.map((p) => p.userId) } });
    for (const p of peers) {
      if (p.speaking) this.sendNumbered(s, { op: 5, d: { userId: p.userId, ssrc: p.ssrc, speaking: p.speaking } });
      this.sendNumbered(p, { op: 11, d: { userIds: [s.userId] } });
    }
  }

  private endSession(s: ServerSession, code: number): void {
    if (s.conn) this.closeConn(s.conn, code, false);
    this.removeSession(s);
  }

  private removeSession(s: ServerSession): void {
    if (this.sessions.get(this.sessionKey(s.userId, s.guildId)) !== s) return;
    this.sessions.delete(this.sessionKey(s.userId, s.guildId));
    if (s.udpSource) {
      const k = `${s.udpSource.address}|${s.udpSource.port}`;
      if (this.byUdpSource.get(k) === s) this.byUdpSource.delete(k);
    }
    if (this.bySsrc.get(s.ssrc) === s) this.bySsrc.delete(s.ssrc);
    const ck = `${s.guildId}:${s.channelId}`;
    this.byChannel.get(ck)?.delete(s);
    if (this.byChannel.get(ck)?.size === 0) this.byChannel.delete(ck);
    if (s.dave) this.daveChannel(s).onLeave(s.userId);
    if (s.cipher) for (const p of this.channelPeers(s)) this.sendNumbered(p, { op: 13, d: { userId: s.userId } });
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
    const out: ServerSession[] = [];
    for (const x of this.byChannel.get(`${s.guildId}:${s.channelId}`) ?? []) if (x !== s && x.cipher) out.push(x);
    return out;
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

  private dispatch(userId: string, t: 'VOICE_STATE_UPDATE' | 'VOICE_SERVER_UPDATE', d: Record<string, unknown>): void {
    this.queue.push({ type: 'gateway-dispatch', userId, t, d });
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

  private sessionKey(userId: string, guildId: string): string {
    return `${guildId}:${userId}`;
  }

  private sessionOf(userId: string, guildId: string): ServerSession | undefined {
    return this.sessions.get(this.sessionKey(userId, guildId));
  }

  private sessionBySsrc(ssrc: number): ServerSession | undefined {
    return this.bySsrc.get(ssrc);
  }

  private endpointFor(guildId: string): string {
    return this.endpoints.get(guildId) ?? this.cfg.endpoint;
  }

  private gatewaySessionId(userId: string): string {
    let id = this.gatewaySessionIds.get(userId);
    if (!id) {
      id = this.randomHex(16);
      this.gatewaySessionIds.set(userId, id);
    }
    return id;
  }

  private newSsrc(): number {
    for (;;) {
      const ssrc = 1 + Math.floor(this.cfg.random() * 0xfffffffe);
      if (!this.sessionBySsrc(ssrc)) return ssrc;
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

  private randomToken(): string {
    return this.randomHex(8);
  }
}
