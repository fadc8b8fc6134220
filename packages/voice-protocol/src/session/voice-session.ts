/**
 * The sans-IO voice session (docs/protocol.md, from joining to audio): the public commands and inputs, and what
 * each message from the main gateway, the voice WebSocket and UDP means. What then happens to the connection
 * (reconnects, teardown, deadlines) is SessionLifecycle's (session-lifecycle.ts). Inputs carry `now`; outputs are
 * drained with `poll()`, which always ends with a `timer`. No I/O, no clock, no randomness of its own.
 */
import { closeCodePolicy } from '../close-codes.js';
import { TransportCipher } from '../crypto/packet.js';
import { chooseTransportMode } from '../crypto/provider.js';
import { decodeDaveServerFrame } from '../dave/binary.js';
import { LocalProtocolError, type VoiceErrorCode } from '../errors.js';
import { decodeGatewayMessage } from '../gateway/codec.js';
import type { VoiceGatewayMessage } from '../gateway/messages.js';
import { VoiceOpcode } from '../gateway/opcodes.js';
import { clip } from '../secret.js';
import { isValidSpeakingFlags } from '../speaking.js';
import { checkUdpEndpoint } from '../udp/address.js';
import { classifyDatagram } from '../udp/classify.js';
import { decodeIpDiscoveryResponse } from '../udp/ip-discovery.js';
import { UDP_KEEPALIVE_LENGTH } from '../udp/keepalive.js';
import type { VoiceServerUpdateData, VoiceSessionConfig, VoiceStateUpdateData } from './config.js';
import { MAX_OPUS_FRAME } from './media-sender.js';
import type { GatewayVoiceStateUpdate, SessionInput, SessionStateCode, SessionStats, SocketFailure } from './outputs.js';
import { SessionLifecycle } from './session-lifecycle.js';

export class VoiceSession extends SessionLifecycle {
  // What the bot asked for and what Discord confirmed of it: this class's alone (the lifecycle reads them through
  // channelId, localUserId and voiceStateUpdate()).
  private speakingFlags: number;
  private joinedChannelId: string;
  /** A moveTo() target Discord has not confirmed yet. */
  private moveTarget: string | null = null;
  private muteFlag: boolean;
  private deafFlag: boolean;
  private userId: string | undefined;

  constructor(config: VoiceSessionConfig) {
    super(config);
    this.joinedChannelId = this.config.channelId;
    this.muteFlag = this.config.selfMute;
    this.deafFlag = this.config.selfDeaf;
    this.userId = this.config.userId;
    if (!isValidSpeakingFlags(this.config.speakingFlags) || this.config.speakingFlags === 0) {
      throw new LocalProtocolError(`speakingFlags must be 1–7 (microphone 1, soundshare 2, priority 4), got ${this.config.speakingFlags}`, 'E_BAD_ARGUMENT');
    }
    this.speakingFlags = this.config.speakingFlags;
  }

  // ───────────────────────────── state ─────────────────────────────

  /** The DAVE voice privacy code of the current epoch (30 digits), '' when DAVE is not active. */
  get privacyCode(): string {
    return this.dave.privacyCode;
  }

  stats(): SessionStats {
    return {
      wsRttMs: this.heartbeat.rttMs,
      udpRttMs: this.media?.keepaliveRttMs ?? this.discovery.rttMs,
      udpRttSource: this.media?.keepaliveRttMs != null ? 'keepalive' : this.discovery.rttMs !== null ? 'discovery' : null,
      packetsSent: this.media?.sender.packetsSent ?? 0,
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

  protected get localUserId(): string | undefined {
    return this.userId;
  }

  protected voiceStateUpdate(channelId: string | null): GatewayVoiceStateUpdate {
    return { op: 4, d: { guild_id: this.config.guildId, channel_id: channelId, self_mute: this.muteFlag, self_deaf: this.deafFlag } };
  }

  /** A summary without secrets, for logs and bug reports (`JSON.stringify(session)`). */
  toJSON(): { state: SessionStateCode; guildId: string; channelId: string; endpoint: string | null; mode: string | null } {
    return { state: this.state, guildId: this.config.guildId, channelId: this.joinedChannelId, endpoint: this.serverEndpoint, mode: this.media?.mode ?? null };
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `VoiceSession ${JSON.stringify(this.toJSON())}`;
  }

  private assertAlive(what: string): void {
    if (this.state === 'destroyed') throw new LocalProtocolError(`${what}: the voice session was destroyed; create a new one`, 'E_DESTROYED');
  }

  // ───────────────────────────── commands ─────────────────────────────

  /** Asks the main gateway to join (op 4) and starts the join timeout. */
  join(now: number): void {
    this.assertAlive('join()');
    if (this.state !== 'idle' && this.state !== 'disconnected') throw new LocalProtocolError(`join() called while the session is ${this.state}; call leave() first`);
    this.tick(now);
    this.backoff.reset();
    this.startSignalling(now);
  }

  /** Sets the speaking flags used for op 5 (docs/protocol.md §4.2). Sent at once when already speaking. */
  setSpeaking(flags: number, now: number): void {
    this.assertAlive('setSpeaking()');
    if (!isValidSpeakingFlags(flags) || flags === 0) throw new LocalProtocolError(`speaking flags must be 1–7, got ${flags}; use stopSpeaking() to stop`, 'E_BAD_ARGUMENT');
    this.tick(now);
    this.speakingFlags = flags;
    if (this.state === 'ready' && this.media?.speaking) this.sendJson({ op: VoiceOpcode.Speaking, d: { speaking: flags, delay: 0, ssrc: this.media.ready.ssrc } });
  }

  /**
   * Sends one 20 ms Opus frame (docs/protocol.md §12). Op 5 speaking goes out first when needed. Returns false, and
   * counts a dropped frame, when the session is not ready (e.g. while resuming).
   */
  sendOpusFrame(opus: Uint8Array, now: number): boolean {
    this.assertAlive('sendOpusFrame()');
    if (!(opus instanceof Uint8Array) || opus.length === 0 || opus.length > MAX_OPUS_FRAME) {
      throw new LocalProtocolError(`an Opus frame must be a Uint8Array of 1–${MAX_OPUS_FRAME} bytes`, 'E_BAD_ARGUMENT');
    }
    this.tick(now);
    const media = this.media;
    // While the WebSocket resumes, UDP, SSRC, key and mode stay valid (docs/protocol.md §6): keep sending — but not
    // when a UDP error came after the last inbound datagram: the server may be gone, and true would be a lie.
    const open = this.state === 'ready' || (this.resumePending && media?.suspect === false);
    if (!open || !media?.cipher) {
      this.counters.framesDropped++;
      return false;
    }
    const payload = this.dave.encrypt(opus);
    if (payload === null) {
      this.counters.framesDropped++;
      return false;
    }
    media.sender.cancelSilenceTail();
    if (!media.speaking && this.ws !== null && this.state === 'ready') {
      this.sendJson({ op: VoiceOpcode.Speaking, d: { speaking: this.speakingFlags, delay: 0, ssrc: media.ready.ssrc } });
      media.speaking = true;
    }
    this.out({ type: 'udp-send', id: media.udpId, data: media.sender.packet(media.cipher, payload) });
    return true;
  }

  /** Five silence frames, 20 ms apart, then op 5 speaking 0 (docs/protocol.md §9.5). */
  stopSpeaking(now: number): void {
    this.assertAlive('stopSpeaking()');
    this.tick(now);
    if (this.state === 'ready' && this.media?.speaking && !this.media.sender.silenceTailActive) {
      this.media.sender.startSilenceTail(now);
      this.tick(now);
    }
  }

  /** The channel the bot is in (or joining): updated when Discord moves it (the connection's `channelId`). */
  get channelId(): string {
    return this.joinedChannelId;
  }

  /** @deprecated since 0.2: `channelId`, the name the connection uses. */
  get currentChannelId(): string {
    return this.joinedChannelId;
  }

  /** The channel last asked for: a moveTo() target until Discord confirms it, else the current channel. */
  get requestedChannelId(): string {
    return this.moveTarget ?? this.joinedChannelId;
  }

  /**
   * Moves to another channel of the same guild: op 4 with the new channel. The session follows the
   * VOICE_STATE_UPDATE (a `moved` event) and, when Discord assigns a new server, Identifies fresh.
   */
  moveTo(channelId: string, now: number): void {
    this.assertAlive('moveTo()');
    if (typeof channelId !== 'string' || channelId.length === 0) throw new LocalProtocolError('moveTo() needs a channel id', 'E_BAD_ARGUMENT');
    this.tick(now);
    if (this.state === 'idle' || this.state === 'disconnected') {
      this.joinedChannelId = channelId; // used by the next join()
      this.moveTarget = null;
      return;
    }
    this.moveTarget = channelId === this.joinedChannelId ? null : channelId;
    this.out({ type: 'gateway-send', payload: this.voiceStateUpdate(channelId) });
  }

  /**
   * Changes self mute / self deaf after joining: op 4 with the channel last asked for, so a change made right
   * after moveTo() does not send the bot back to the old channel before Discord has confirmed the move.
   */
  setSelfState(state: { selfMute?: boolean; selfDeaf?: boolean }, now: number): void {
    this.assertAlive('setSelfState()');
    this.tick(now);
    if (state.selfMute !== undefined) this.muteFlag = state.selfMute;
    if (state.selfDeaf !== undefined) this.deafFlag = state.selfDeaf;
    if (this.state !== 'idle' && this.state !== 'disconnected') this.out({ type: 'gateway-send', payload: this.voiceStateUpdate(this.requestedChannelId) });
  }

  /** Self mute, as last set (the connection's `selfMute`). */
  get selfMute(): boolean {
    return this.muteFlag;
  }

  /** Self deaf, as last set (the connection's `selfDeaf`). */
  get selfDeaf(): boolean {
    return this.deafFlag;
  }

  /** @deprecated since 0.2: `selfMute` and `selfDeaf`, the names the connection uses. */
  get selfState(): { selfMute: boolean; selfDeaf: boolean } {
    return { selfMute: this.muteFlag, selfDeaf: this.deafFlag };
  }

  /** The DAVE verification code for another member (45 digits), or null without DAVE or a provider that has none. */
  verificationCode(userId: string): Promise<string> | null {
    return this.dave.verificationCode(userId);
  }

  /** Leaves the channel (op 4 with channel null) and closes the voice sockets. The session can join again. */
  leave(now: number): void {
    this.assertAlive('leave()');
    this.tick(now);
    if (this.state === 'idle' || this.state === 'disconnected') return;
    this.out({ type: 'gateway-send', payload: this.voiceStateUpdate(null) });
    this.end('disconnected');
    this.emit({ type: 'disconnected', error: null });
  }

  /** Leaves if needed and ends the session for good. Idempotent; afterwards only closing outputs remain. */
  destroy(now: number): void {
    if (this.state === 'destroyed') return;
    if (this.state !== 'idle' && this.state !== 'disconnected') this.leave(now);
    this.forgetCall();
    this.end('destroyed');
  }

  // ───────────────────────────── inputs ─────────────────────────────

  /**
   * Any input, as data (str0m's `handle_input`): the same as calling its `handle*` method. Useful for drivers that
   * queue inputs, for recording and replaying a session, and for fuzzing one entry point.
   */
  handle(input: SessionInput, now: number): void {
    switch (input.type) {
      case 'voice-state-update':
        return this.handleVoiceStateUpdate(input.d, now);
      case 'voice-server-update':
        return this.handleVoiceServerUpdate(input.d, now);
      case 'gateway-send-failure':
        return this.handleGatewaySendFailure(now);
      case 'ws-open':
        return this.handleWsOpen(input.id, now);
      case 'ws-message':
        return this.handleWsMessage(input.id, input.data, now);
      case 'ws-close':
        return this.handleWsClose(input.id, input.code, now, input.failure);
      case 'udp-packet':
        return this.handleUdpPacket(input.id, input.bytes, now);
      case 'udp-failure':
        return this.handleUdpFailure(input.id, input.failure, now);
      case 'timeout':
        return this.handleTimeout(now);
    }
  }

  /**
   * The one prologue of every input: nothing is taken after destroy, nor from a socket that was replaced (its id
   * is not the current one); otherwise the timers that are due run first, so that the input meets the present.
   */
  private admit(now: number, socket?: 'ws' | 'udp', id?: number): boolean {
    if (this.state === 'destroyed' || !this.isCurrent(socket, id)) return false;
    this.tick(now);
    // a timer that was due may have closed that socket meanwhile: then the input is late too
    return this.isCurrent(socket, id);
  }

  private isCurrent(socket: 'ws' | 'udp' | undefined, id: number | undefined): boolean {
    return socket === 'ws' ? id === this.ws?.id : socket === 'udp' ? id === this.media?.udpId : true;
  }

  // ───────────────────────────── main gateway inputs ─────────────────────────────

  handleVoiceStateUpdate(d: VoiceStateUpdateData, now: number): void {
    if (!this.admit(now)) return;
    if (typeof d !== 'object' || d === null || typeof d.user_id !== 'string' || typeof d.session_id !== 'string' || (d.channel_id !== null && typeof d.channel_id !== 'string')) {
      this.warn('E_BAD_VOICE_STATE', 'VOICE_STATE_UPDATE without user_id/session_id or with a malformed channel_id was ignored');
      return;
    }
    if (d.guild_id != null && d.guild_id !== this.config.guildId) return;
    if (this.userId === undefined) this.userId = d.user_id;
    if (d.user_id !== this.userId) return;
    // While a move is pending, an update that still names the old channel is the answer to an earlier op 4; one
    // that names the target (or a third channel: someone moved the bot) settles it.
    if (d.channel_id !== null && d.channel_id !== this.joinedChannelId) this.moveTarget = null;
    if (d.channel_id !== null && d.channel_id !== this.joinedChannelId) {
      this.joinedChannelId = d.channel_id;
      this.emit({ type: 'moved', channelId: d.channel_id });
    }
    // A null channel may be transient (docs/protocol.md §2.2): the voice socket's close code decides.
    this.acceptVoiceState(d.session_id, d.channel_id, now);
  }

  /**
   * The gateway adapter could not send the last op 4 (the bot's main gateway is down). While joining, no
   * voice update can come: the attempt ends at once with E_GATEWAY_UNAVAILABLE (rejoin when the gateway is back).
   * At other times (a self-mute change, a move) it is a warning: the voice connection itself still stands.
   */
  handleGatewaySendFailure(now: number): void {
    if (!this.admit(now)) return;
    if (this.state === 'signalling') {
      this.fail({ code: 'E_GATEWAY_UNAVAILABLE', message: "the main gateway adapter could not send op 4 (the bot's gateway connection is down or not ready); rejoin once it is back" });
      return;
    }
    this.warn('E_GATEWAY_SEND', 'the gateway adapter could not send op 4 (is the main gateway connected?)');
  }

  handleVoiceServerUpdate(d: VoiceServerUpdateData, now: number): void {
    if (!this.admit(now)) return;
    if (typeof d !== 'object' || d === null || typeof d.token !== 'string' || d.guild_id !== this.config.guildId || (d.endpoint !== null && !isEndpoint(d.endpoint))) {
      if (typeof d === 'object' && d?.guild_id === this.config.guildId) this.warn('E_BAD_VOICE_SERVER', 'VOICE_SERVER_UPDATE without a token or with a malformed endpoint was ignored');
      return;
    }
    if (this.state === 'idle' || this.state === 'disconnected') return;
    if (d.endpoint === null) {
      // The voice server went away; Discord is allocating another (§2.3).
      this.serverGone(now, { code: 'E_ENDPOINT_UNREACHABLE', message: 'the voice server went away and Discord did not allocate another in time; join again' });
      return;
    }
    this.acceptServer(d.token, d.endpoint, now);
  }

  // ───────────────────────────── voice WebSocket inputs ─────────────────────────────

  handleWsOpen(id: number, now: number): void {
    const ws = this.admit(now, 'ws', id) ? this.ws : null;
    const auth = ws ? this.credentials() : null;
    if (!ws || !auth || this.userId === undefined) return;
    const { seqAck, ...identity } = auth;
    if (ws.resume) this.sendJson({ op: VoiceOpcode.Resume, d: { ...identity, seqAck } });
    else {
      this.sendJson({ op: VoiceOpcode.Identify, d: { ...identity, userId: this.userId, maxDaveProtocolVersion: this.dave.maxProtocolVersion } });
      this.advance('identifying');
    }
  }

  handleWsMessage(id: number, data: string | Uint8Array, now: number): void {
    if (!this.admit(now, 'ws', id)) return;
    if (typeof data !== 'string') {
      const frame = decodeDaveServerFrame(data);
      if (!frame.ok) {
        this.counters.malformedMessages++;
        this.warn('E_BAD_BINARY_MESSAGE', `dropped a binary voice gateway message: ${frame.reason}`);
        return;
      }
      this.noteSeq(frame.value.seq);
      this.daveTransition(() => this.dave.onServerFrame(frame.value));
      return;
    }
    const decoded = decodeGatewayMessage(data);
    if (!decoded.ok) {
      this.counters.malformedMessages++;
      // A malformed copy of the very message the handshake waits for ends this attempt now, with its reason,
      // instead of a silent wait for the connect timeout.
      const awaited = this.state === 'identifying' ? 'Ready:' : this.state === 'selecting-protocol' ? 'SessionDescription:' : null;
      if (awaited !== null && decoded.reason.startsWith(awaited)) return this.scheduleReconnect(now, false, `the voice server sent an unusable ${decoded.reason}`);
      this.warn('E_BAD_MESSAGE', `dropped a voice gateway message: ${decoded.reason}`);
      return;
    }
    const m = decoded.value;
    if (m.seq !== undefined) this.noteSeq(m.seq);
    this.onMessage(m, now);
  }

  /**
   * The voice WebSocket closed. `failure` is what the transport knows beyond the code: a rejected certificate
   * ends the connection at once (retrying cannot succeed), an oversized message starts a fresh connection.
   */
  handleWsClose(id: number, code: number, now: number, failure?: SocketFailure): void {
    if (!this.admit(now, 'ws', id)) return;
    this.socketClosed();
    if (failure?.kind === 'tls') {
      return this.fail({ code: 'E_TLS', message: `the TLS connection to the voice server ${clip(this.serverEndpoint ?? '')} failed: ${clip(failure.message, 200)}. The certificate was not accepted, so voicewire does not retry; against a local emulator pass its CA (the transport's \`ca\` option)` });
    }
    if (failure?.kind === 'too-large') {
      this.counters.malformedMessages++;
      return this.scheduleReconnect(now, false, `the voice server sent a message over the size limit (${clip(failure.message, 120)})`);
    }
    const policy = closeCodePolicy(code);
    switch (policy.action) {
      case 'resume':
        return this.scheduleReconnect(now, this.media?.cipher != null, `voice socket closed (${code})${failure ? `: ${clip(failure.message, 120)}` : ''}`, policy);
      case 'fresh-join':
        return this.scheduleReconnect(now, false, policy.reason, policy);
      case 'wait-for-server':
        return this.serverGone(now, { code: code === 4022 ? 'E_CALL_TERMINATED' : 'E_DISCONNECTED', message: `${policy.name} (${code}): ${policy.reason}`, closeCode: code });
      case 'give-up':
        return this.fail({ code: giveUpCode(code), message: `${policy.name} (${code}): ${policy.reason}`, closeCode: code });
    }
  }

  // ───────────────────────────── UDP and timer inputs ─────────────────────────────

  handleUdpPacket(id: number, bytes: Uint8Array, now: number): void {
    const media = this.admit(now, 'udp', id) ? this.media : null;
    if (!media) return;
    const kind = classifyDatagram(bytes);
    media.inbound(now, kind === 'other' && bytes.length === UDP_KEEPALIVE_LENGTH ? bytes : null);
    switch (kind) {
      case 'ip-discovery':
        return this.onDiscoveryResponse(bytes, now);
      case 'rtcp':
        this.counters.rtcpReceived++;
        return;
      case 'rtp-opus':
        return this.onRtp(bytes, now);
      default:
        this.counters.otherDatagrams++;
    }
  }

  /**
   * The transport reports a UDP problem. `fatal`: the socket cannot be used (connect failed, bad address, DNS):
   * the session connects again from scratch. Otherwise (e.g. a refused send) it is counted, warned about at a
   * bounded rate, and the server's silence from now on counts as a dead path.
   */
  handleUdpFailure(id: number, failure: SocketFailure & { readonly fatal: boolean }, now: number): void {
    if (!this.admit(now, 'udp', id)) return;
    this.counters.udpErrors++;
    if (failure.fatal) return this.scheduleReconnect(now, false, `the UDP socket to the voice server failed: ${clip(failure.message, 160)}`);
    this.warn('E_UDP', `UDP: ${clip(failure.message, 160)}`);
    this.media?.failed(now);
  }

  handleTimeout(now: number): void {
    if (!this.admit(now)) return;
  }

  // ───────────────────────────── what the server's messages mean ─────────────────────────────

  private onMessage(m: VoiceGatewayMessage, now: number): void {
    switch (m.op) {
      case VoiceOpcode.Hello:
        return this.heartbeat.start(m.d.heartbeatInterval, now);
      case VoiceOpcode.Ready: {
        if (this.state !== 'identifying') return this.warn('E_UNEXPECTED', `Ready received while ${this.state}; ignored`);
        const udp = checkUdpEndpoint(m.d.ip, m.d.port);
        if (!udp.ok) return this.scheduleReconnect(now, false, `the voice server sent an unusable Ready: ${udp.reason}`);
        this.openMediaPath(m.d, now);
        return this.tick(now);
      }
      case VoiceOpcode.SessionDescription:
        return this.onSessionDescription(m.d);
      case VoiceOpcode.Resumed:
        if (this.state !== 'resuming') return;
        return this.enterResumed();
      case VoiceOpcode.HeartbeatAck:
        if (!this.heartbeat.ack(m.d.t, now)) return;
        this.proveLive();
        return this.emit({ type: 'stats', stats: this.stats() });
      case VoiceOpcode.Heartbeat:
        return this.sendHeartbeat(this.heartbeat.sendNow(now));
      case VoiceOpcode.Speaking:
        if (m.d.userId === undefined) return;
        this.receiver.mapSsrc(m.d.ssrc, m.d.userId, now, this.emit);
        return this.emit({ type: 'speaking', userId: m.d.userId, ssrc: m.d.ssrc, flags: m.d.speaking });
      case VoiceOpcode.ClientsConnect:
        this.receiver.clientsConnect(m.d.userIds);
        return this.emit({ type: 'client-connect', userIds: m.d.userIds });
      case VoiceOpcode.ClientDisconnect:
        this.receiver.clientDisconnect(m.d.userId, this.emit);
        return this.emit({ type: 'client-disconnect', userId: m.d.userId });
      case VoiceOpcode.DavePrepareTransition:
        return this.daveTransition(() => this.dave.onPrepareTransition(m.d));
      case VoiceOpcode.DaveExecuteTransition:
        return this.daveTransition(() => this.dave.onExecuteTransition(m.d));
      case VoiceOpcode.DavePrepareEpoch:
        return this.dave.onPrepareEpoch(m.d);
      case 'unknown':
        this.counters.unknownOpcodes++;
        return;
      default:
        return; // community ops (12, 14–20) and DAVE ops are not needed here
    }
  }

  /** op 4: the mode must be the one selected, the DAVE version one Identify offered, the key one the provider takes. */
  private onSessionDescription(d: { mode: string; secretKey: Uint8Array; daveProtocolVersion: number }): void {
    const media = this.media;
    if (this.state !== 'selecting-protocol' || !media?.mode) return this.warn('E_UNEXPECTED', `Session Description received while ${this.state}; ignored`);
    if (d.mode !== media.mode) return this.fail({ code: 'E_NO_COMMON_MODE', message: `the server chose encryption mode ${clip(d.mode)}, not the selected ${media.mode}` });
    if (d.daveProtocolVersion > this.dave.maxProtocolVersion && this.dave.maxProtocolVersion > 0) {
      return this.fail({ code: 'E_DAVE_UNSUPPORTED', message: `the server chose DAVE protocol version ${d.daveProtocolVersion}, but Identify offered at most ${this.dave.maxProtocolVersion} (the E2EE provider's highest); the server broke the negotiation` });
    }
    try {
      media.cipher = new TransportCipher(this.config.crypto, media.mode, d.secretKey);
    } catch (e) {
      return this.fail({ code: 'E_BAD_KEY', message: `the crypto provider rejected the session key: ${clip((e as Error)?.message, 160)}` });
    }
    this.enterReady();
    this.emit({ type: 'ready', ssrc: media.ready.ssrc, mode: d.mode, daveProtocolVersion: d.daveProtocolVersion });
    this.dave.onSessionDescription(d.daveProtocolVersion);
  }

  private daveTransition(run: () => void): void {
    const before = this.dave.counters.daveTransitions;
    run();
    if (this.dave.counters.daveTransitions !== before) this.emit({ type: 'dave-transition', protocolVersion: this.dave.protocolVersion, privacyCode: this.dave.privacyCode });
  }

  private onDiscoveryResponse(bytes: Uint8Array, now: number): void {
    const media = this.media;
    if (!this.discovery.active || !media) return;
    const r = decodeIpDiscoveryResponse(bytes);
    if (!r.ok) {
      this.counters.malformedDrops++;
      this.warn('E_BAD_DISCOVERY', `dropped an IP discovery response: ${r.reason}`);
      return;
    }
    this.discovery.answered(now);
    const mode = chooseTransportMode(media.ready.modes, this.config.crypto.modes);
    if (!mode.ok) return this.fail({ code: 'E_NO_COMMON_MODE', message: mode.reason });
    media.mode = mode.value;
    this.sendJson({ op: VoiceOpcode.SelectProtocol, d: { protocol: 'udp', address: r.value.address, port: r.value.port, mode: mode.value } });
    this.advance('selecting-protocol');
  }

  private onRtp(bytes: Uint8Array, now: number): void {
    this.counters.packetsReceived++;
    const cipher = this.media?.cipher;
    if (!cipher) {
      this.counters.otherDatagrams++;
      return;
    }
    const opened = cipher.openRtp(bytes);
    if (!opened.ok) {
      if (opened.reason.startsWith('decryption failed')) this.counters.decryptFailures++;
      else this.counters.malformedDrops++;
      return;
    }
    const { ssrc, sequence, timestamp } = opened.value.header;
    if (!this.receiver.acceptNonce(ssrc, opened.value.nonce)) return; // a replay: counted by the receiver
    if (!this.receiver.push(ssrc, sequence, timestamp, opened.value.payload, now, this.emit)) {
      // op 5 for this SSRC may still be on its way over the WebSocket: hold briefly (docs/protocol.md §11.9).
      this.receiver.holdUnmapped(ssrc, sequence, timestamp, opened.value.payload, now);
    }
  }
}

/** A voice endpoint as VOICE_SERVER_UPDATE carries it: `host`, `host:port` or `[v6]:port`, nothing that breaks a URL. */
function isEndpoint(e: unknown): e is string {
  return typeof e === 'string' && e.length > 0 && e.length <= 255 && /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/.test(e);
}

function giveUpCode(code: number): VoiceErrorCode {
  if (code === 4017) return 'E_DAVE_REQUIRED';
  if (code === 4021) return 'E_RATE_LIMITED';
  return 'E_CLIENT_BUG';
}
