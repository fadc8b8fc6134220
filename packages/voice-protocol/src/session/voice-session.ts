/**
 * The sans-IO voice session (PROTOCOL.md §1–§10): from "join" to sending and receiving audio, through every
 * fault the protocol defines. Inputs carry `now`; outputs are drained with `poll()`, which always ends with a
 * `timer`. No I/O, no clock, no randomness of its own (ARCHITECTURE.md, the sans-IO contract).
 */
import { closeCodePolicy, type CloseCodeInfo } from '../close-codes.js';
import { TransportCipher } from '../crypto/packet.js';
import { chooseTransportMode, type TransportMode } from '../crypto/provider.js';
import { decodeDaveServerFrame } from '../dave/binary.js';
import { LocalProtocolError, type VoiceErrorCode } from '../errors.js';
import { decodeGatewayMessage, encodeGatewayMessage } from '../gateway/codec.js';
import type { KnownGatewayMessage, ReadyPayload, VoiceGatewayMessage } from '../gateway/messages.js';
import { VOICE_GATEWAY_VERSION } from '../gateway/opcodes.js';
import { isValidSpeakingFlags } from '../speaking.js';
import { classifyDatagram } from '../udp/classify.js';
import { checkUdpEndpoint, isLoopbackHost } from '../udp/address.js';
import { decodeIpDiscoveryResponse, encodeIpDiscoveryRequest } from '../udp/ip-discovery.js';
import { encodeUdpKeepalive, UDP_KEEPALIVE_LENGTH } from '../udp/keepalive.js';
import { clip, Secret } from '../secret.js';
import { Backoff } from './backoff.js';
import { DaveController } from './dave.js';
import { resolveConfig, type ResolvedConfig, type VoiceServerUpdateData, type VoiceSessionConfig, type VoiceStateUpdateData } from './config.js';
import { IpDiscovery } from './discovery.js';
import { Heartbeat } from './heartbeat.js';
import { MAX_OPUS_FRAME, MediaSender } from './media-sender.js';
import type { SessionEvent, SessionOutput, SessionStateCode, SessionStats, SocketFailure, TerminalError } from './outputs.js';
import { Receiver } from './receiver.js';
import { WarningLimiter } from './warnings.js';

/** Close code the client uses when it drops a socket on its own (heartbeat loss, timeouts). */
const CLIENT_RECONNECT_CLOSE = 4000;

export class VoiceSession {
  private readonly config: ResolvedConfig;
  private code: SessionStateCode = 'idle';
  private readonly queue: SessionOutput[] = [];
  private head = 0;
  private nextSocketId = 1;

  // Secrets (session id, token) are held as Secret: util.inspect and JSON.stringify never show them.
  private voiceState: { sessionId: Secret; channelId: string | null } | null = null;
  private server: { token: Secret; endpoint: string } | null = null;
  private wsId: number | null = null;
  private wsResume = false;
  private udpId: number | null = null;
  private ready: ReadyPayload | null = null;
  private mode: TransportMode | null = null;
  private cipher: TransportCipher | null = null;
  private lastSeq = -1;

  private readonly heartbeat: Heartbeat;
  private readonly backoff: Backoff;
  private readonly discovery: IpDiscovery;
  private readonly dave: DaveController;
  private sender: MediaSender | null = null;
  private receiver: Receiver;
  private pendingReconnect: { resume: boolean } | null = null;
  private lastFailure: TerminalError | null = null;

  private joinDeadline: number | null = null;
  private connectDeadline: number | null = null;
  private waitDeadline: number | null = null;
  private keepaliveAt: number | null = null;
  private keepaliveCounter = 0;
  /** UDP liveness: the last inbound datagram, and since when the server is expected to answer (null: not known). */
  private udpLastInAt = 0;
  private udpExpectedSince: number | null = null;
  /** A UDP error arrived after the last inbound datagram: the path may be dead. */
  private udpSuspect = false;
  /** Resume attempts since the connection was last proven live (a heartbeat ACK while ready). */
  private resumeStreak = 0;
  private readonly warnings = new WarningLimiter(5, 10_000);

  private speakingSent = false;
  private speakingFlags: number;
  private channelId: string;
  private userId: string | undefined;
  private now = 0;

  private readonly counters = {
    framesDropped: 0,
    packetsReceived: 0,
    decryptFailures: 0,
    unknownSsrcDrops: 0,
    malformedDrops: 0,
    rtcpReceived: 0,
    otherDatagrams: 0,
    malformedMessages: 0,
    unknownOpcodes: 0,
    resumes: 0,
    reconnects: 0,
    replayDrops: 0,
    udpErrors: 0,
  };

  constructor(config: VoiceSessionConfig) {
    this.config = resolveConfig(config);
    if (!isValidSpeakingFlags(this.config.speakingFlags) || this.config.speakingFlags === 0) {
      throw new LocalProtocolError(`speakingFlags must be 1–7 (microphone 1, soundshare 2, priority 4), got ${this.config.speakingFlags}`, 'E_BAD_ARGUMENT');
    }
    this.speakingFlags = this.config.speakingFlags;
    this.channelId = this.config.channelId;
    this.userId = this.config.userId;
    this.heartbeat = new Heartbeat(this.config.heartbeatMissLimit);
    this.backoff = new Backoff({ baseMs: this.config.reconnectBaseMs, maxMs: this.config.reconnectMaxMs, maxAttempts: this.config.maxReconnectAttempts }, this.config.random);
    this.discovery = new IpDiscovery(this.config.ipDiscoveryRetryMs, this.config.ipDiscoveryAttempts);
    this.dave = new DaveController(this.config.e2ee, {
      sendJson: (m) => this.sendJson(m),
      sendBinary: (b) => {
        if (this.wsId !== null) this.out({ type: 'ws-send', id: this.wsId, data: b });
      },
      warn: (code, message) => this.warn(code, message),
      userId: () => this.userId,
      channelId: () => this.channelId,
      recognizedUsers: () => [...this.receiver.users],
      fail: (error) => this.fail(error),
    });
    this.receiver = this.newReceiver();
  }

  // ───────────────────────────── state and outputs ─────────────────────────────

  get state(): SessionStateCode {
    return this.code;
  }

  /** The DAVE voice privacy code of the current epoch (30 digits), '' when DAVE is not active. */
  get privacyCode(): string {
    return this.dave.privacyCode;
  }

  /** The next output; when nothing is queued, `{ type: 'timer', at }` (always the last of a drain). */
  poll(): SessionOutput {
    if (this.head < this.queue.length) {
      const o = this.queue[this.head++] as SessionOutput;
      if (this.head === this.queue.length) {
        this.queue.length = 0;
        this.head = 0;
      }
      return o;
    }
    return { type: 'timer', at: this.code === 'destroyed' ? null : this.nextDeadline() };
  }

  stats(): SessionStats {
    return {
      wsRttMs: this.heartbeat.rttMs,
      udpRttMs: this.discovery.rttMs,
      packetsSent: this.sender?.packetsSent ?? 0,
      framesDelivered: this.receiver.framesDelivered,
      packetsLost: this.receiver.lost,
      packetsLate: this.receiver.late,
      heartbeatsMissed: this.heartbeat.totalMissed,
      ...this.counters,
      ...this.dave.counters,
      daveProtocolVersion: this.dave.protocolVersion,
      unknownSsrcDrops: this.counters.unknownSsrcDrops + this.receiver.unknownSsrcDrops,
      replayDrops: this.counters.replayDrops + this.receiver.replayDrops,
      warningsSuppressed: this.warnings.suppressed,
    };
  }

  /** A summary without secrets, for logs and bug reports (`JSON.stringify(session)`). */
  toJSON(): { state: SessionStateCode; guildId: string; channelId: string; endpoint: string | null; mode: string | null } {
    return { state: this.code, guildId: this.config.guildId, channelId: this.channelId, endpoint: this.server?.endpoint ?? null, mode: this.mode };
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `VoiceSession ${JSON.stringify(this.toJSON())}`;
  }

  private out(o: SessionOutput): void {
    this.queue.push(o);
  }

  private emit = (event: SessionEvent): void => {
    this.queue.push({ type: 'event', event });
  };

  private warn(code: string, message: string): void {
    const text = this.warnings.admit(code, message, this.now);
    if (text !== null) this.emit({ type: 'warning', code, message: text });
  }

  private setState(to: SessionStateCode): void {
    if (this.code === to) return;
    const from = this.code;
    this.code = to;
    this.emit({ type: 'state', from, to });
  }

  private sendJson(message: KnownGatewayMessage): void {
    if (this.wsId !== null) this.out({ type: 'ws-send', id: this.wsId, data: encodeGatewayMessage(message) });
  }

  private assertAlive(what: string): void {
    if (this.code === 'destroyed') throw new LocalProtocolError(`${what}: the voice session was destroyed; create a new one`, 'E_DESTROYED');
  }

  // ───────────────────────────── commands ─────────────────────────────

  /** Asks the main gateway to join (op 4) and starts the join timeout. */
  join(now: number): void {
    this.assertAlive('join()');
    if (this.code !== 'idle' && this.code !== 'disconnected') throw new LocalProtocolError(`join() called while the session is ${this.code}; call leave() first`);
    this.tick(now);
    this.backoff.reset();
    this.lastFailure = null;
    this.startSignalling(now);
  }

  /** Sets the speaking flags used for op 5 (PROTOCOL.md §4.2). Sent at once when already speaking. */
  setSpeaking(flags: number, now: number): void {
    this.assertAlive('setSpeaking()');
    if (!isValidSpeakingFlags(flags) || flags === 0) throw new LocalProtocolError(`speaking flags must be 1–7, got ${flags}; use stopSpeaking() to stop`, 'E_BAD_ARGUMENT');
    this.tick(now);
    this.speakingFlags = flags;
    if (this.code === 'ready' && this.speakingSent && this.ready) this.sendJson({ op: 5, d: { speaking: flags, delay: 0, ssrc: this.ready.ssrc } });
  }

  /**
   * Sends one 20 ms Opus frame (PROTOCOL.md §12). Op 5 speaking goes out first when needed. Returns false, and
   * counts a dropped frame, when the session is not ready (e.g. while resuming).
   */
  sendOpusFrame(opus: Uint8Array, now: number): boolean {
    this.assertAlive('sendOpusFrame()');
    if (!(opus instanceof Uint8Array) || opus.length === 0 || opus.length > MAX_OPUS_FRAME) {
      throw new LocalProtocolError(`an Opus frame must be a Uint8Array of 1–${MAX_OPUS_FRAME} bytes`, 'E_BAD_ARGUMENT');
    }
    this.tick(now);
    // While the WebSocket resumes, UDP, SSRC, key and mode stay valid (PROTOCOL.md §6): keep sending.
    // Not when a UDP error came after the last inbound datagram: the server may be gone, and true would be a lie.
    const mediaPath = this.code === 'ready' || (!this.udpSuspect && (this.code === 'resuming' || (this.code === 'backoff' && this.pendingReconnect?.resume === true)));
    if (!mediaPath || !this.cipher || !this.sender || this.udpId === null || !this.ready) {
      this.counters.framesDropped++;
      return false;
    }
    const payload = this.dave.encrypt(opus);
    if (payload === null) {
      this.counters.framesDropped++;
      return false;
    }
    this.sender.cancelSilenceTail();
    if (!this.speakingSent && this.wsId !== null && this.code === 'ready') {
      this.sendJson({ op: 5, d: { speaking: this.speakingFlags, delay: 0, ssrc: this.ready.ssrc } });
      this.speakingSent = true;
    }
    this.out({ type: 'udp-send', id: this.udpId, data: this.sender.packet(this.cipher, payload) });
    return true;
  }

  /** Five silence frames, 20 ms apart, then op 5 speaking 0 (PROTOCOL.md §9.5). */
  stopSpeaking(now: number): void {
    this.assertAlive('stopSpeaking()');
    this.tick(now);
    if (this.code === 'ready' && this.speakingSent && this.sender && !this.sender.silenceTailActive) {
      this.sender.startSilenceTail(now);
      this.tick(now);
    }
  }

  /** Leaves the channel (op 4 with channel null) and closes the voice sockets. The session can join again. */
  leave(now: number): void {
    this.assertAlive('leave()');
    this.tick(now);
    if (this.code === 'idle' || this.code === 'disconnected') return;
    this.out({ type: 'gateway-send', payload: this.voiceStateUpdate(null) });
    this.teardown(1000);
    this.clearTimers();
    this.setState('disconnected');
    this.emit({ type: 'disconnected', error: null });
  }

  /** Leaves if needed and ends the session for good. Idempotent; afterwards only closing outputs remain. */
  destroy(now: number): void {
    if (this.code === 'destroyed') return;
    if (this.code !== 'idle' && this.code !== 'disconnected') this.leave(now);
    this.teardown(1000);
    this.clearTimers();
    this.server = null;
    this.voiceState = null;
    this.setState('destroyed');
  }

  // ───────────────────────────── main gateway inputs ─────────────────────────────

  handleVoiceStateUpdate(d: VoiceStateUpdateData, now: number): void {
    if (this.code === 'destroyed') return;
    this.tick(now);
    if (typeof d !== 'object' || d === null || typeof d.user_id !== 'string' || typeof d.session_id !== 'string' || (d.channel_id !== null && typeof d.channel_id !== 'string')) {
      this.warn('E_BAD_VOICE_STATE', 'VOICE_STATE_UPDATE without user_id/session_id or with a malformed channel_id was ignored');
      return;
    }
    if (d.guild_id != null && d.guild_id !== this.config.guildId) return;
    if (this.userId === undefined) this.userId = d.user_id;
    if (d.user_id !== this.userId) return;
    if (d.channel_id !== null && d.channel_id !== this.channelId) {
      this.channelId = d.channel_id;
      this.emit({ type: 'moved', channelId: d.channel_id });
    }
    // A null channel may be transient (PROTOCOL.md §2.4 rule 5): the voice socket's close code decides.
    this.voiceState = { sessionId: new Secret(d.session_id), channelId: d.channel_id };
    this.maybeConnect(now);
  }

  handleVoiceServerUpdate(d: VoiceServerUpdateData, now: number): void {
    if (this.code === 'destroyed') return;
    this.tick(now);
    if (typeof d !== 'object' || d === null || typeof d.token !== 'string' || d.guild_id !== this.config.guildId || (d.endpoint !== null && !isEndpoint(d.endpoint))) {
      if (typeof d === 'object' && d?.guild_id === this.config.guildId) this.warn('E_BAD_VOICE_SERVER', 'VOICE_SERVER_UPDATE without a token or with a malformed endpoint was ignored');
      return;
    }
    if (this.code === 'idle' || this.code === 'disconnected') return;
    if (d.endpoint === null) {
      // The voice server went away; Discord is allocating another (§2.3).
      this.teardown(1000);
      this.server = null;
      this.enterWaitForServer(now, { code: 'E_ENDPOINT_UNREACHABLE', message: 'the voice server went away and Discord did not allocate another in time; join again' });
      return;
    }
    const connected = this.wsId !== null || this.udpId !== null;
    this.server = { token: new Secret(d.token), endpoint: d.endpoint };
    if (connected || this.code === 'backoff' || this.code === 'waiting-for-server') {
      // New server, new token: tear down and Identify fresh, never resume (§2.4 rule 1).
      this.teardown(1000);
      this.pendingReconnect = null;
      this.backoff.cancel();
      this.setState('signalling');
    }
    this.maybeConnect(now);
  }

  // ───────────────────────────── voice WebSocket inputs ─────────────────────────────

  handleWsOpen(id: number, now: number): void {
    if (this.code === 'destroyed' || id !== this.wsId) return;
    this.tick(now);
    if (!this.server || !this.voiceState || this.userId === undefined) return;
    if (this.wsResume) {
      this.sendJson({ op: 7, d: { serverId: this.config.guildId, sessionId: this.voiceState.sessionId.reveal(), token: this.server.token.reveal(), seqAck: this.lastSeq } });
    } else {
      this.sendJson({ op: 0, d: { serverId: this.config.guildId, userId: this.userId, sessionId: this.voiceState.sessionId.reveal(), token: this.server.token.reveal(), maxDaveProtocolVersion: this.dave.maxProtocolVersion } });
      this.setState('identifying');
    }
  }

  handleWsMessage(id: number, data: string | Uint8Array, now: number): void {
    if (this.code === 'destroyed' || id !== this.wsId) return;
    this.tick(now);
    if (typeof data !== 'string') {
      const frame = decodeDaveServerFrame(data);
      if (!frame.ok) {
        this.counters.malformedMessages++;
        this.warn('E_BAD_BINARY_MESSAGE', `dropped a binary voice gateway message: ${frame.reason}`);
        return;
      }
      this.lastSeq = frame.value.seq;
      this.daveTransition(() => this.dave.onServerFrame(frame.value));
      return;
    }
    const decoded = decodeGatewayMessage(data);
    if (!decoded.ok) {
      this.counters.malformedMessages++;
      // A malformed copy of the very message the handshake waits for ends this attempt now, with its reason,
      // instead of a silent wait for the connect timeout.
      const awaited = this.code === 'identifying' ? 'Ready:' : this.code === 'selecting-protocol' ? 'SessionDescription:' : null;
      if (awaited !== null && decoded.reason.startsWith(awaited)) return this.scheduleReconnect(now, false, `the voice server sent an unusable ${decoded.reason}`);
      this.warn('E_BAD_MESSAGE', `dropped a voice gateway message: ${decoded.reason}`);
      return;
    }
    const m = decoded.value;
    if (m.seq !== undefined) this.lastSeq = m.seq;
    this.onMessage(m, now);
  }

  /**
   * The voice WebSocket closed. `failure` is what the transport knows beyond the code: a rejected certificate
   * ends the connection at once (retrying cannot succeed), an oversized message starts a fresh connection.
   */
  handleWsClose(id: number, code: number, now: number, failure?: SocketFailure): void {
    if (this.code === 'destroyed' || id !== this.wsId) return;
    this.tick(now);
    this.wsId = null;
    this.heartbeat.stop();
    if (failure?.kind === 'tls') {
      return this.fail({ code: 'E_TLS', message: `the TLS connection to the voice server ${clip(this.server?.endpoint ?? '')} failed: ${clip(failure.message, 200)}. The certificate was not accepted, so voicewire does not retry; against a local emulator pass its CA (the transport's \`ca\` option)` });
    }
    if (failure?.kind === 'too-large') {
      this.counters.malformedMessages++;
      return this.scheduleReconnect(now, false, `the voice server sent a message over the size limit (${clip(failure.message, 120)})`);
    }
    const policy = closeCodePolicy(code);
    const established = this.cipher !== null;
    switch (policy.action) {
      case 'resume':
        this.scheduleReconnect(now, established, `voice socket closed (${code})${failure ? `: ${clip(failure.message, 120)}` : ''}`, policy);
        break;
      case 'fresh-join':
        this.scheduleReconnect(now, false, policy.reason, policy);
        break;
      case 'wait-for-server':
        this.teardown(1000);
        this.server = null;
        this.enterWaitForServer(now, { code: code === 4022 ? 'E_CALL_TERMINATED' : 'E_DISCONNECTED', message: `${policy.name} (${code}): ${policy.reason}`, closeCode: code });
        break;
      case 'give-up':
        this.fail({ code: giveUpCode(code), message: `${policy.name} (${code}): ${policy.reason}`, closeCode: code });
        break;
    }
  }

  // ───────────────────────────── UDP and timer inputs ─────────────────────────────

  handleUdpPacket(id: number, bytes: Uint8Array, now: number): void {
    if (this.code === 'destroyed' || id !== this.udpId) return;
    this.tick(now);
    this.udpLastInAt = now;
    this.udpSuspect = false;
    switch (classifyDatagram(bytes)) {
      case 'ip-discovery':
        this.onDiscoveryResponse(bytes, now);
        return;
      case 'rtcp':
        this.counters.rtcpReceived++;
        return;
      case 'rtp-opus':
        this.onRtp(bytes, now);
        return;
      default:
        // A keepalive echo shows the server answers on UDP: from now on its silence means a dead path.
        if (bytes.length === UDP_KEEPALIVE_LENGTH && this.udpExpectedSince === null) this.udpExpectedSince = now;
        this.counters.otherDatagrams++;
    }
  }

  /**
   * The transport reports a UDP problem. `fatal`: the socket cannot be used (connect failed, bad address, DNS):
   * the session connects again from scratch. Otherwise (e.g. a refused send) it is counted, warned about at a
   * bounded rate, and the server's silence from now on counts as a dead path.
   */
  handleUdpFailure(id: number, failure: SocketFailure & { readonly fatal: boolean }, now: number): void {
    if (this.code === 'destroyed' || id !== this.udpId) return;
    this.tick(now);
    this.counters.udpErrors++;
    if (failure.fatal) return this.scheduleReconnect(now, false, `the UDP socket to the voice server failed: ${clip(failure.message, 160)}`);
    this.warn('E_UDP', `UDP: ${clip(failure.message, 160)}`);
    this.udpSuspect = true;
    if (this.udpExpectedSince === null) this.udpExpectedSince = now;
  }

  handleTimeout(now: number): void {
    if (this.code === 'destroyed') return;
    this.tick(now);
  }

  // ───────────────────────────── internals ─────────────────────────────

  private onMessage(m: VoiceGatewayMessage, now: number): void {
    switch (m.op) {
      case 8:
        this.heartbeat.start(m.d.heartbeatInterval, now);
        return;
      case 2:
        if (this.code !== 'identifying') return this.warn('E_UNEXPECTED', `Ready received while ${this.code}; ignored`);
        const udp = checkUdpEndpoint(m.d.ip, m.d.port);
        if (!udp.ok) return this.scheduleReconnect(now, false, `the voice server sent an unusable Ready: ${udp.reason}`);
        this.ready = m.d;
        this.sender = new MediaSender(this.config.random, m.d.ssrc);
        this.udpId = this.nextSocketId++;
        this.out({ type: 'udp-connect', id: this.udpId, host: m.d.ip, port: m.d.port });
        this.keepaliveAt = now + this.config.keepaliveIntervalMs;
        this.udpLastInAt = now;
        this.udpExpectedSince = null;
        this.udpSuspect = false;
        this.discovery.start(now);
        this.setState('discovering');
        this.tick(now);
        return;
      case 4: {
        if (this.code !== 'selecting-protocol') return this.warn('E_UNEXPECTED', `Session Description received while ${this.code}; ignored`);
        if (m.d.mode !== this.mode) return this.fail({ code: 'E_NO_COMMON_MODE', message: `the server chose encryption mode ${clip(m.d.mode)}, not the selected ${String(this.mode)}` });
        if (m.d.daveProtocolVersion > this.dave.maxProtocolVersion && this.dave.maxProtocolVersion > 0) {
          return this.fail({ code: 'E_DAVE_UNSUPPORTED', message: `the server chose DAVE protocol version ${m.d.daveProtocolVersion}, but Identify offered at most ${this.dave.maxProtocolVersion} (the E2EE provider's highest); the server broke the negotiation` });
        }
        try {
          this.cipher = new TransportCipher(this.config.crypto, this.mode, m.d.secretKey);
        } catch (e) {
          return this.fail({ code: 'E_BAD_KEY', message: `the crypto provider rejected the session key: ${clip((e as Error)?.message, 160)}` });
        }
        this.connectDeadline = null;
        this.setState('ready');
        this.emit({ type: 'ready', ssrc: this.ready?.ssrc ?? 0, mode: m.d.mode, daveProtocolVersion: m.d.daveProtocolVersion });
        this.dave.onSessionDescription(m.d.daveProtocolVersion);
        return;
      }
      case 9:
        if (this.code !== 'resuming') return;
        this.connectDeadline = null;
        this.speakingSent = false; // op 5 again before the next packet (§6 step 3)
        this.counters.resumes++;
        this.setState('ready');
        this.emit({ type: 'resumed' });
        return;
      case 6:
        if (!this.heartbeat.ack(m.d.t, now)) return;
        // The connection is proven live only now: a server that accepts Resume but never ACKs must not reset
        // the reconnect budget on every resume (that would loop forever).
        if (this.code === 'ready') {
          this.backoff.reset();
          this.resumeStreak = 0;
        }
        this.emit({ type: 'stats', stats: this.stats() });
        return;
      case 3:
        this.sendHeartbeat(this.heartbeat.sendNow(now));
        return;
      case 5:
        if (m.d.userId === undefined) return;
        this.receiver.mapSsrc(m.d.ssrc, m.d.userId, now, this.emit);
        this.emit({ type: 'speaking', userId: m.d.userId, ssrc: m.d.ssrc, flags: m.d.speaking });
        return;
      case 11:
        this.receiver.clientsConnect(m.d.userIds);
        this.emit({ type: 'client-connect', userIds: m.d.userIds });
        return;
      case 13:
        this.receiver.clientDisconnect(m.d.userId, this.emit);
        this.emit({ type: 'client-disconnect', userId: m.d.userId });
        return;
      case 21:
        return this.daveTransition(() => this.dave.onPrepareTransition(m.d));
      case 22:
        return this.daveTransition(() => this.dave.onExecuteTransition(m.d));
      case 24:
        this.dave.onPrepareEpoch(m.d);
        return;
      case 'unknown':
        this.counters.unknownOpcodes++;
        return;
      default:
        return; // community ops (12, 14–20) and DAVE ops are not needed here
    }
  }

  private daveTransition(run: () => void): void {
    const before = this.dave.counters.daveTransitions;
    run();
    if (this.dave.counters.daveTransitions !== before) this.emit({ type: 'dave-transition', protocolVersion: this.dave.protocolVersion, privacyCode: this.dave.privacyCode });
  }

  private onDiscoveryResponse(bytes: Uint8Array, now: number): void {
    if (!this.discovery.active || !this.ready) return;
    const r = decodeIpDiscoveryResponse(bytes);
    if (!r.ok) {
      this.counters.malformedDrops++;
      this.warn('E_BAD_DISCOVERY', `dropped an IP discovery response: ${r.reason}`);
      return;
    }
    this.discovery.answered(now);
    const mode = chooseTransportMode(this.ready.modes, this.config.crypto.modes);
    if (!mode.ok) return this.fail({ code: 'E_NO_COMMON_MODE', message: mode.reason });
    this.mode = mode.value;
    this.sendJson({ op: 1, d: { protocol: 'udp', address: r.value.address, port: r.value.port, mode: mode.value } });
    this.setState('selecting-protocol');
  }

  private onRtp(bytes: Uint8Array, now: number): void {
    this.counters.packetsReceived++;
    if (!this.cipher) {
      this.counters.otherDatagrams++;
      return;
    }
    const opened = this.cipher.openRtp(bytes);
    if (!opened.ok) {
      if (opened.reason.startsWith('decryption failed')) this.counters.decryptFailures++;
      else this.counters.malformedDrops++;
      return;
    }
    const { ssrc, sequence, timestamp } = opened.value.header;
    if (!this.receiver.acceptNonce(ssrc, opened.value.nonce)) return; // a replay: counted by the receiver
    if (!this.receiver.push(ssrc, sequence, timestamp, opened.value.payload, now, this.emit)) {
      // op 5 for this SSRC may still be on its way over the WebSocket: hold briefly (PROTOCOL.md §11.9).
      this.receiver.holdUnmapped(ssrc, sequence, timestamp, opened.value.payload, now);
    }
  }

  private sendHeartbeat(t: number): void {
    this.sendJson({ op: 3, d: { t, seqAck: this.lastSeq } });
  }

  private startSignalling(now: number): void {
    this.voiceState = null;
    this.server = null;
    this.out({ type: 'gateway-send', payload: this.voiceStateUpdate(this.channelId) });
    this.joinDeadline = now + this.config.joinTimeoutMs;
    this.setState('signalling');
  }

  private maybeConnect(now: number): void {
    if (this.code !== 'signalling' && this.code !== 'waiting-for-server') return;
    if (!this.server || !this.voiceState || this.voiceState.channelId === null) return;
    this.joinDeadline = null;
    this.waitDeadline = null;
    this.openWs(now, false);
  }

  private openWs(now: number, resume: boolean): void {
    if (!this.server) return;
    if (this.config.wsScheme === 'ws' && !isLoopbackHost(hostOf(this.server.endpoint))) {
      return this.fail({ code: 'E_INSECURE_TRANSPORT', message: `wsScheme 'ws' (no TLS) is only allowed for a voice server on this machine (127.0.0.1, ::1, localhost), not ${clip(this.server.endpoint)}; the voice token would travel in the clear` });
    }
    this.wsId = this.nextSocketId++;
    this.wsResume = resume;
    if (!resume) this.lastSeq = -1;
    this.out({ type: 'ws-connect', id: this.wsId, url: `${this.config.wsScheme}://${this.server.endpoint}/?v=${VOICE_GATEWAY_VERSION}` });
    this.connectDeadline = now + this.config.connectTimeoutMs;
    this.setState(resume ? 'resuming' : 'connecting');
  }

  private scheduleReconnect(now: number, resume: boolean, reason: string, policy?: CloseCodeInfo): void {
    this.counters.reconnects++;
    // Resumes that never bring back a live connection fall back to a fresh join (the server may be gone).
    if (resume && this.resumeStreak >= this.config.maxResumeAttempts) {
      resume = false;
      reason = `${reason}; ${this.resumeStreak} resumes did not restore the connection, joining fresh`;
    }
    if (resume) this.resumeStreak++;
    else this.resumeStreak = 0;
    if (!resume) this.teardown(1000);
    else if (this.wsId !== null) {
      this.out({ type: 'ws-close', id: this.wsId, code: CLIENT_RECONNECT_CLOSE });
      this.wsId = null;
      this.heartbeat.stop();
    }
    this.lastFailure = { code: 'E_RECONNECT_EXHAUSTED', message: `gave up after ${this.config.maxReconnectAttempts} reconnect attempts; last: ${reason}`, ...(policy && policy.code >= 4000 ? { closeCode: policy.code } : {}) };
    const delay = this.backoff.next(now, resume);
    if (delay === null) return this.fail(this.lastFailure);
    this.pendingReconnect = { resume };
    this.connectDeadline = null;
    this.joinDeadline = null;
    this.setState('backoff');
    this.emit({ type: 'reconnecting', attempt: this.backoff.attempts, delayMs: delay, reason, resume });
    if (delay === 0) this.fireReconnect(now);
  }

  private fireReconnect(now: number): void {
    const p = this.pendingReconnect;
    this.pendingReconnect = null;
    this.backoff.fire();
    if (!p) return;
    if (p.resume && this.server && this.voiceState && this.cipher) this.openWs(now, true);
    else {
      this.teardown(1000);
      this.startSignalling(now);
    }
  }

  private enterWaitForServer(now: number, error: TerminalError): void {
    this.lastFailure = error;
    this.pendingReconnect = null;
    this.backoff.cancel();
    this.connectDeadline = null;
    this.joinDeadline = null;
    this.waitDeadline = now + this.config.waitForServerMs;
    this.setState('waiting-for-server');
  }

  private fail(error: TerminalError): void {
    this.teardown(1000);
    this.clearTimers();
    this.setState('disconnected');
    this.emit({ type: 'disconnected', error });
  }

  private teardown(closeCode: number): void {
    if (this.wsId !== null) this.out({ type: 'ws-close', id: this.wsId, code: closeCode });
    if (this.udpId !== null) this.out({ type: 'udp-close', id: this.udpId });
    this.wsId = null;
    this.udpId = null;
    this.heartbeat.stop();
    this.discovery.stop();
    this.cipher = null;
    this.mode = null;
    this.ready = null;
    this.sender = null;
    this.speakingSent = false;
    this.keepaliveAt = null;
    this.connectDeadline = null;
    this.udpExpectedSince = null;
    this.udpSuspect = false;
    this.dave.reset();
    this.counters.unknownSsrcDrops += this.receiver.unknownSsrcDrops;
    this.counters.replayDrops += this.receiver.replayDrops;
    this.receiver = this.newReceiver();
  }

  private clearTimers(): void {
    this.joinDeadline = null;
    this.connectDeadline = null;
    this.waitDeadline = null;
    this.keepaliveAt = null;
    this.pendingReconnect = null;
    this.backoff.cancel();
  }

  /** When a silent UDP path counts as dead: only while ready and once the server is known to answer. */
  private udpSilenceDeadline(): number | null {
    if (this.udpExpectedSince === null || this.udpId === null || this.code !== 'ready') return null;
    return Math.max(this.udpLastInAt, this.udpExpectedSince) + this.config.udpSilenceTimeoutMs;
  }

  private newReceiver(): Receiver {
    return new Receiver({ unknownSsrcHoldMs: 1_000, unknownSsrcMaxPackets: 64, unknownSsrcMaxSources: 16, reorderDepth: this.config.reorderDepth, reorderWaitMs: this.config.reorderWaitMs, speakingTimeoutMs: this.config.speakingTimeoutMs, decode: (userId, payload) => this.dave.decrypt(userId, payload) });
  }

  private voiceStateUpdate(channelId: string | null) {
    return { op: 4 as const, d: { guild_id: this.config.guildId, channel_id: channelId, self_mute: this.config.selfMute, self_deaf: this.config.selfDeaf } };
  }

  /** Runs everything that is due at `now`. Every input calls this first, so `timer.at` is never in the past. */
  private tick(now: number): void {
    if (!Number.isFinite(now)) throw new LocalProtocolError(`now must be a finite number of milliseconds, got ${now}`, 'E_BAD_ARGUMENT');
    if (now < this.now) now = this.now; // a monotonic clock never goes back; tolerate jitter from callers
    this.now = now;
    for (let guard = 0; guard < 10_000; guard++) {
      if (!this.runDue(now)) return;
    }
  }

  /** Handles one due deadline; returns false when nothing is due. No allocation on the hot path. */
  private runDue(now: number): boolean {
    const due = isDue;
    due.now = now;
    if (due(this.joinDeadline)) {
      this.joinDeadline = null;
      if (this.backoff.attempts > 0) this.scheduleReconnect(now, false, 'no VOICE_STATE_UPDATE/VOICE_SERVER_UPDATE after rejoining');
      else this.fail({ code: 'E_JOIN_TIMEOUT', message: `Discord sent no VOICE_STATE_UPDATE/VOICE_SERVER_UPDATE within ${this.config.joinTimeoutMs} ms: the channel may be full (MOVE_MEMBERS bypasses the limit), the bot may lack CONNECT permission, or the gateway adapter is not forwarding voice events` });
      return true;
    }
    if (due(this.waitDeadline)) {
      this.waitDeadline = null;
      this.fail(this.lastFailure ?? { code: 'E_DISCONNECTED', message: 'disconnected from voice' });
      return true;
    }
    if (due(this.backoff.deadline())) {
      this.fireReconnect(now);
      return true;
    }
    if (due(this.connectDeadline)) {
      this.connectDeadline = null;
      const resuming = this.code === 'resuming';
      this.scheduleReconnect(now, false, resuming ? 'the server did not answer Resume in time' : `the voice server did not complete the handshake within ${this.config.connectTimeoutMs} ms`);
      return true;
    }
    const hb = due(this.heartbeat.deadline()) ? this.heartbeat.due(now) : null;
    if (hb) {
      if (hb.kind === 'send') this.sendHeartbeat(hb.t);
      else this.scheduleReconnect(now, this.cipher !== null, `no heartbeat ACK for ${this.config.heartbeatMissLimit} heartbeats`);
      return true;
    }
    const disc = due(this.discovery.deadline()) ? this.discovery.due(now) : null;
    if (disc) {
      if (disc === 'send' && this.udpId !== null && this.ready) this.out({ type: 'udp-send', id: this.udpId, data: encodeIpDiscoveryRequest(this.ready.ssrc) });
      else if (disc === 'failed') this.scheduleReconnect(now, false, `no IP discovery answer after ${this.config.ipDiscoveryAttempts} tries`);
      return true;
    }
    if (due(this.udpSilenceDeadline())) {
      const silentMs = Math.round(now - Math.max(this.udpLastInAt, this.udpExpectedSince as number));
      this.udpExpectedSince = null;
      this.warn('E_UDP_SILENT', `nothing arrived on the UDP path for ${silentMs} ms although the voice server answers on it; reconnecting`);
      this.scheduleReconnect(now, false, `the UDP path went silent for ${silentMs} ms`);
      return true;
    }
    if (due(this.keepaliveAt) && this.udpId !== null) {
      this.out({ type: 'udp-send', id: this.udpId, data: encodeUdpKeepalive(this.keepaliveCounter++) });
      this.keepaliveAt = (this.keepaliveAt as number) + this.config.keepaliveIntervalMs;
      if ((this.keepaliveAt as number) <= now) this.keepaliveAt = now + this.config.keepaliveIntervalMs;
      return true;
    }
    const silence = this.sender && this.code === 'ready' && this.cipher && this.udpId !== null ? this.sender.dueSilence(now) : null;
    if (silence && this.sender && this.cipher && this.udpId !== null && this.ready) {
      this.out({ type: 'udp-send', id: this.udpId, data: this.sender.packet(this.cipher, silence.frame) });
      if (silence.last) {
        this.sendJson({ op: 5, d: { speaking: 0, delay: 0, ssrc: this.ready.ssrc } });
        this.speakingSent = false;
      }
      return true;
    }
    if (due(this.receiver.deadline())) {
      this.receiver.timeout(now, this.emit);
      return true;
    }
    return false;
  }

  private nextDeadline(): number | null {
    const min = earliest(
      earliest(earliest(this.joinDeadline, this.waitDeadline), earliest(this.backoff.deadline(), this.connectDeadline)),
      earliest(
        earliest(this.heartbeat.deadline(), this.discovery.deadline()),
        earliest(earliest(this.udpId !== null ? this.keepaliveAt : null, this.code === 'ready' ? (this.sender?.deadline() ?? null) : null), earliest(this.receiver.deadline(), this.udpSilenceDeadline())),
      ),
    );
    return min === null ? null : Math.max(min, this.now);
  }
}

/** A voice endpoint as VOICE_SERVER_UPDATE carries it: `host`, `host:port` or `[v6]:port`, nothing that breaks a URL. */
function isEndpoint(e: unknown): e is string {
  return typeof e === 'string' && e.length > 0 && e.length <= 255 && /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/.test(e);
}

/** The host part of `host:port` or `[v6]:port`. */
function hostOf(endpoint: string): string {
  const v6 = /^\[([^\]]*)\]/.exec(endpoint);
  if (v6) return v6[1] as string;
  const i = endpoint.lastIndexOf(':');
  return i > 0 && endpoint.indexOf(':') === i ? endpoint.slice(0, i) : endpoint;
}

function earliest(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null || a <= b ? a : b;
}

/** `isDue(at)`: is a deadline reached at `isDue.now`? One shared function object, so checks allocate nothing. */
const isDue = Object.assign((at: number | null): boolean => at !== null && isDue.now >= at, { now: 0 });

function giveUpCode(code: number): VoiceErrorCode {
  if (code === 4017) return 'E_DAVE_REQUIRED';
  if (code === 4021) return 'E_RATE_LIMITED';
  return 'E_CLIENT_BUG';
}
