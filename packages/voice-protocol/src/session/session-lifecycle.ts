/**
 * The connection lifecycle of a VoiceSession (docs/protocol.md: joining, reconnecting, close codes, timeouts):
 * the state code and the data each stage owns, the output queue, signalling, opening the voice WebSocket,
 * reconnects with backoff (resume or fresh join, bounded), waiting for a new server, teardown, and every
 * deadline. What the server's messages mean is VoiceSession's part (voice-session.ts); this file decides what
 * happens to the connection.
 */
import type { CloseCodeInfo } from '../close-codes.js';
import { LocalProtocolError } from '../errors.js';
import { encodeGatewayMessage } from '../gateway/codec.js';
import type { KnownGatewayMessage, ReadyPayload } from '../gateway/messages.js';
import { VOICE_GATEWAY_VERSION, VoiceOpcode } from '../gateway/opcodes.js';
import { clip, Secret } from '../secret.js';
import { isLoopbackHost } from '../udp/address.js';
import { encodeIpDiscoveryRequest } from '../udp/ip-discovery.js';
import { Backoff } from './backoff.js';
import { resolveConfig, type ResolvedConfig, type VoiceSessionConfig } from './config.js';
import { DaveController } from './dave.js';
import { IpDiscovery } from './discovery.js';
import { Heartbeat } from './heartbeat.js';
import { MediaPath } from './media-path.js';
import type { GatewayVoiceStateUpdate, SessionEvent, SessionOutput, SessionStateCode, TerminalError } from './outputs.js';
import { Receiver } from './receiver.js';
import { WarningLimiter } from './warnings.js';

/** Close code the client uses when it drops a socket on its own (heartbeat loss, timeouts). */
const CLIENT_RECONNECT_CLOSE = 4000;

/** The voice WebSocket of the current attempt: its id, and whether it was opened to Resume. */
export interface WsLink {
  readonly id: number;
  readonly resume: boolean;
}

export abstract class SessionLifecycle {
  // Every field of this class is private: the subclass reads through the getters below and changes the
  // connection only through the named moves (acceptVoiceState, openMediaPath, enterReady, …). The objects
  // it may call into (heartbeat, backoff, discovery, dave, warnings) own their own state; `counters` is the
  // one bag both halves add to.
  protected readonly config: ResolvedConfig;
  /** The state and the data only that state has (its deadline, the reconnect it will make, why it waits). */
  private phase: Phase = { code: 'idle' };
  private readonly queue: SessionOutput[] = [];
  private head = 0;
  private nextSocketId = 1;

  // Secrets (session id, token) are held as Secret: util.inspect and JSON.stringify never show them.
  private voiceState: { sessionId: Secret; channelId: string | null } | null = null;
  private server: { token: Secret; endpoint: string } | null = null;
  /** The voice WebSocket, from ws-connect until it closes. */
  private wsLink: WsLink | null = null;
  /** The UDP media path, from Ready until teardown (kept while the WebSocket resumes). */
  private mediaPath: MediaPath | null = null;
  private lastSeq = -1;

  protected readonly heartbeat: Heartbeat;
  protected readonly backoff: Backoff;
  protected readonly discovery: IpDiscovery;
  protected readonly dave: DaveController;
  private rx: Receiver;
  /** Resume attempts since the connection was last proven live (a heartbeat ACK while ready). */
  private resumeStreak = 0;
  protected readonly warnings = new WarningLimiter(5, 10_000);

  private now = 0;

  protected readonly counters = {
    framesDropped: 0,
    illegalTransitions: 0,
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

  /** The channel the bot is in or joining (owned by the subclass, which follows Discord's updates). */
  abstract get channelId(): string;
  /** The bot's user id, once known (from the config or the first VOICE_STATE_UPDATE). */
  protected abstract get localUserId(): string | undefined;
  /** The op 4 payload for `channelId` (null: leave), with the self mute and deaf flags as last set. */
  protected abstract voiceStateUpdate(channelId: string | null): GatewayVoiceStateUpdate;

  protected constructor(config: VoiceSessionConfig) {
    this.config = resolveConfig(config);
    this.heartbeat = new Heartbeat(this.config.heartbeatMissLimit);
    this.backoff = new Backoff({ baseMs: this.config.reconnectBaseMs, maxMs: this.config.reconnectMaxMs, maxAttempts: this.config.maxReconnectAttempts }, this.config.random);
    this.discovery = new IpDiscovery(this.config.ipDiscoveryRetryMs, this.config.ipDiscoveryAttempts);
    this.dave = new DaveController(this.config.e2ee, {
      sendJson: (m) => this.sendJson(m),
      sendBinary: (b) => {
        if (this.wsLink !== null) this.out({ type: 'ws-send', id: this.wsLink.id, data: b });
      },
      warn: (code, message) => this.warn(code, message),
      userId: () => this.localUserId,
      channelId: () => this.channelId,
      recognizedUsers: () => [...this.rx.users],
      fail: (error) => this.fail(error),
    });
    this.rx = this.newReceiver();
  }

  /** The voice WebSocket of the current attempt, or null. */
  protected get ws(): WsLink | null {
    return this.wsLink;
  }

  /** The UDP media path, from Ready until teardown, or null. */
  protected get media(): MediaPath | null {
    return this.mediaPath;
  }

  /** Received audio of the current attempt (a new one after each teardown). */
  protected get receiver(): Receiver {
    return this.rx;
  }

  /** The voice server's endpoint, while one is known (for messages and toJSON). */
  protected get serverEndpoint(): string | null {
    return this.server?.endpoint ?? null;
  }

  get state(): SessionStateCode {
    return this.phase.code;
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
    return { type: 'timer', at: this.phase.code === 'destroyed' ? null : this.nextDeadline() };
  }

  // ───────────────────────────── outputs ─────────────────────────────

  protected out(o: SessionOutput): void {
    this.queue.push(o);
  }

  protected emit = (event: SessionEvent): void => {
    this.queue.push({ type: 'event', event });
  };

  protected warn(code: string, message: string): void {
    const text = this.warnings.admit(code, message, this.now);
    if (text !== null) this.emit({ type: 'warning', code, message: text });
  }

  /**
   * Enters `next`, which must be a move of SESSION_TRANSITIONS (one that is not is counted in
   * stats().illegalTransitions). The data of the state left goes with it.
   */
  private enter(next: Phase): void {
    const from = this.phase.code;
    const to = next.code;
    this.phase = next;
    if (from === to) return;
    if (!SESSION_TRANSITIONS[to].includes(from)) {
      // a bug of this file, not of the peer: counted and reported, never thrown (remote input drives most moves)
      this.counters.illegalTransitions++;
      this.warn('E_ILLEGAL_TRANSITION', `voicewire bug: the session moved ${from} → ${to}, which SESSION_TRANSITIONS does not allow; please report it`);
    }
    this.emit({ type: 'state', from, to });
  }

  /** A step of the handshake (Identify sent, UDP opened, Select Protocol sent): the connect deadline still runs. */
  protected advance(to: 'identifying' | 'discovering' | 'selecting-protocol'): void {
    const p = this.phase;
    this.enter({ code: to, connectBy: CONNECTING[p.code] ? (p as ConnectingPhase).connectBy : this.now + this.config.connectTimeoutMs });
  }

  protected sendJson(message: KnownGatewayMessage): void {
    if (this.wsLink !== null) this.out({ type: 'ws-send', id: this.wsLink.id, data: encodeGatewayMessage(message) });
  }


  // ───────────────────────────── the lifecycle ─────────────────────────────

  protected startSignalling(now: number): void {
    this.voiceState = null;
    this.server = null;
    this.out({ type: 'gateway-send', payload: this.voiceStateUpdate(this.channelId) });
    this.enter({ code: 'signalling', joinBy: now + this.config.joinTimeoutMs });
  }

  /** Opens the voice WebSocket once both main-gateway updates are in. */
  private maybeConnect(now: number): void {
    if (this.phase.code !== 'signalling' && this.phase.code !== 'waiting-for-server') return;
    if (!this.server || !this.voiceState || this.voiceState.channelId === null) return;
    this.openWs(now, false);
  }

  private openWs(now: number, resume: boolean): void {
    if (!this.server) return;
    if (this.config.wsScheme === 'ws' && !isLoopbackHost(hostOf(this.server.endpoint))) {
      return this.fail({ code: 'E_INSECURE_TRANSPORT', message: `wsScheme 'ws' (no TLS) is only allowed for a voice server on this machine (127.0.0.1, ::1, localhost), not ${clip(this.server.endpoint)}; the voice token would travel in the clear` });
    }
    this.wsLink = { id: this.nextSocketId++, resume };
    if (!resume) this.lastSeq = -1;
    this.out({ type: 'ws-connect', id: this.wsLink.id, url: `${this.config.wsScheme}://${this.server.endpoint}/?v=${VOICE_GATEWAY_VERSION}` });
    this.enter({ code: resume ? 'resuming' : 'connecting', connectBy: now + this.config.connectTimeoutMs });
  }

  /**
   * A server switch (new endpoint and token): tear down and Identify fresh, never resume (docs/protocol.md §2.4).
   * Signalling again waits for the bot's voice state, within the join timeout like any join.
   */
  private restartSignalling(now: number): void {
    this.teardown(1000);
    this.backoff.cancel();
    this.enter({ code: 'signalling', joinBy: now + this.config.joinTimeoutMs });
  }

  /**
   * The connection attempt is lost: resume (keep UDP, reopen the WebSocket) or join fresh, after a backoff.
   * Resumes that never bring back a live connection fall back to a fresh join; the attempts are bounded.
   */
  protected scheduleReconnect(now: number, resume: boolean, reason: string, policy?: CloseCodeInfo): void {
    this.counters.reconnects++;
    if (resume && this.resumeStreak >= this.config.maxResumeAttempts) {
      resume = false;
      reason = `${reason}; ${this.resumeStreak} resumes did not restore the connection, joining fresh`;
    }
    if (resume) this.resumeStreak++;
    else this.resumeStreak = 0;
    if (!resume) this.teardown(1000);
    else if (this.wsLink !== null) {
      this.out({ type: 'ws-close', id: this.wsLink.id, code: CLIENT_RECONNECT_CLOSE });
      this.wsLink = null;
      this.heartbeat.stop();
    }
    const delay = this.backoff.next(now, resume);
    if (delay === null) return this.fail({ code: 'E_RECONNECT_EXHAUSTED', message: `gave up after ${this.config.maxReconnectAttempts} reconnect attempts; last: ${reason}`, ...(policy && policy.code >= 4000 ? { closeCode: policy.code } : {}) });
    this.enter({ code: 'backoff', resume });
    this.emit({ type: 'reconnecting', attempt: this.backoff.attempts, delayMs: delay, reason, resume });
    if (delay === 0) this.fireReconnect(now);
  }

  /** True while a resume is pending: UDP, SSRC, key and mode stay valid meanwhile (§6). */
  protected get resumePending(): boolean {
    return this.phase.code === 'resuming' || (this.phase.code === 'backoff' && this.phase.resume);
  }

  private fireReconnect(now: number): void {
    const p = this.phase.code === 'backoff' ? this.phase : null;
    this.backoff.fire();
    if (!p) return;
    if (p.resume && this.server && this.voiceState && this.mediaPath?.cipher) this.openWs(now, true);
    else {
      this.teardown(1000);
      this.startSignalling(now);
    }
  }

  /** While waiting for Discord to allocate a voice server again (after 4014, 4022 or a null endpoint): why. */
  get waitingReason(): TerminalError | null {
    return this.phase.code === 'waiting-for-server' ? this.phase.why : null;
  }

  /** The voice server is gone (4014, 4022, a null endpoint): close everything and wait for Discord to allocate another. */
  protected serverGone(now: number, error: TerminalError): void {
    this.teardown(1000);
    this.server = null;
    this.backoff.cancel();
    this.enter({ code: 'waiting-for-server', waitBy: now + this.config.waitForServerMs, why: error });
  }

  protected fail(error: TerminalError): void {
    this.end('disconnected');
    this.emit({ type: 'disconnected', error });
  }

  /** Closes everything and ends in `to`: disconnected (the session can join again) or destroyed (for good). */
  protected end(to: 'disconnected' | 'destroyed'): void {
    this.teardown(1000);
    this.backoff.cancel();
    this.enter({ code: to });
  }

  /** Closes the sockets and drops everything the attempt owned (a resume does not come through here). */
  protected teardown(closeCode: number): void {
    if (this.wsLink !== null) this.out({ type: 'ws-close', id: this.wsLink.id, code: closeCode });
    if (this.mediaPath !== null) this.out({ type: 'udp-close', id: this.mediaPath.udpId });
    this.wsLink = null;
    this.mediaPath = null;
    this.heartbeat.stop();
    this.discovery.stop();
    this.dave.reset();
    this.counters.unknownSsrcDrops += this.rx.unknownSsrcDrops;
    this.counters.replayDrops += this.rx.replayDrops;
    this.rx = this.newReceiver();
  }

  private newReceiver(): Receiver {
    return new Receiver({ unknownSsrcHoldMs: 1_000, unknownSsrcMaxPackets: 64, unknownSsrcMaxSources: 16, reorderDepth: this.config.reorderDepth, reorderWaitMs: this.config.reorderWaitMs, speakingTimeoutMs: this.config.speakingTimeoutMs, decode: (userId, payload) => this.dave.decrypt(userId, payload) });
  }

  protected sendHeartbeat(t: number): void {
    this.sendJson({ op: VoiceOpcode.Heartbeat, d: { t, seqAck: this.lastSeq } });
  }

  // ───────────────────────────── the moves the subclass makes ─────────────────────────────

  /** The bot's VOICE_STATE_UPDATE (its session id and channel): connect once the server is known too. */
  protected acceptVoiceState(sessionId: string, channelId: string | null, now: number): void {
    this.voiceState = { sessionId: new Secret(sessionId), channelId };
    this.maybeConnect(now);
  }

  /** A VOICE_SERVER_UPDATE with an endpoint: a new server means a fresh Identify there (never a resume). */
  protected acceptServer(token: string, endpoint: string, now: number): void {
    const connected = this.wsLink !== null || this.mediaPath !== null;
    this.server = { token: new Secret(token), endpoint };
    if (connected || this.phase.code === 'backoff' || this.phase.code === 'waiting-for-server') this.restartSignalling(now);
    this.maybeConnect(now);
  }

  /** What Identify and Resume carry (null until both main-gateway updates are in). Reveals the secrets. */
  protected credentials(): { serverId: string; sessionId: string; token: string; seqAck: number } | null {
    if (!this.server || !this.voiceState) return null;
    return { serverId: this.config.guildId, sessionId: this.voiceState.sessionId.reveal(), token: this.server.token.reveal(), seqAck: this.lastSeq };
  }

  /** The sequence number of the latest server message (acknowledged in heartbeats and Resume). */
  protected noteSeq(seq: number): void {
    this.lastSeq = seq;
  }

  /** The voice WebSocket closed; what follows is the close code's to decide. */
  protected socketClosed(): void {
    this.wsLink = null;
    this.heartbeat.stop();
  }

  /** Ready: open the UDP path to the server's address and start IP discovery. */
  protected openMediaPath(ready: ReadyPayload, now: number): void {
    const media = new MediaPath(this.nextSocketId++, ready, this.config.random, now, this.config.keepaliveIntervalMs);
    this.mediaPath = media;
    this.out({ type: 'udp-connect', id: media.udpId, host: ready.ip, port: ready.port });
    this.discovery.start(now);
    this.advance('discovering');
  }

  /** Session Description was accepted: the call carries audio. */
  protected enterReady(): void {
    this.enter({ code: 'ready' });
  }

  /** Resumed: the same UDP path carries audio again; op 5 goes out again before the next packet (§6). */
  protected enterResumed(): void {
    if (this.mediaPath !== null) this.mediaPath.speaking = false;
    this.counters.resumes++;
    this.enter({ code: 'ready' });
    this.emit({ type: 'resumed' });
  }

  /**
   * A heartbeat ACK while ready: the connection is proven live, and the reconnect budget starts over. Not
   * sooner: a server that accepts Resume but never ACKs must not reset the budget on every resume (a loop).
   */
  protected proveLive(): void {
    if (this.phase.code !== 'ready') return;
    this.backoff.reset();
    this.resumeStreak = 0;
  }

  /** destroy(): forget the server and the voice state (with their secrets). */
  protected forgetCall(): void {
    this.server = null;
    this.voiceState = null;
  }

  // ───────────────────────────── deadlines ─────────────────────────────

  /** Runs everything that is due at `now`. Every input calls this first, so `timer.at` is never in the past. */
  protected tick(now: number): void {
    if (!Number.isFinite(now)) throw new LocalProtocolError(`now must be a finite number of milliseconds, got ${now}`, 'E_BAD_ARGUMENT');
    if (now < this.now) now = this.now; // a monotonic clock never goes back; tolerate jitter from callers
    this.now = now;
    for (let guard = 0; guard < 10_000; guard++) {
      if (!this.runDue(now)) return;
    }
  }

  /**
   * The session's timers, in the order they fire when several are due at once: each says when it is due (null:
   * not armed) and what runs then. `fire` returns false when, looked at closely, nothing was due (a heartbeat
   * that was ACKed meanwhile); the next timer is tried then. To add a timer, add a row here: the next deadline
   * (`poll()`'s `timer.at`) and the dispatch of a due one both read this table and nothing else.
   */
  private readonly timers: readonly SessionTimer[] = [
    {
      name: 'join',
      at: () => (this.phase.code === 'signalling' ? this.phase.joinBy : null),
      fire: (now) => {
        if (this.backoff.attempts > 0) this.scheduleReconnect(now, false, 'no VOICE_STATE_UPDATE/VOICE_SERVER_UPDATE after rejoining');
        else this.fail({ code: 'E_JOIN_TIMEOUT', message: `Discord sent no VOICE_STATE_UPDATE/VOICE_SERVER_UPDATE within ${this.config.joinTimeoutMs} ms: the channel may be full (MOVE_MEMBERS bypasses the limit), the bot may lack CONNECT permission, or the gateway adapter is not forwarding voice events` });
        return true;
      },
    },
    {
      name: 'wait-for-server',
      at: () => (this.phase.code === 'waiting-for-server' ? this.phase.waitBy : null),
      fire: () => {
        const p = this.phase as WaitingPhase;
        this.fail(p.why);
        return true;
      },
    },
    {
      name: 'backoff',
      at: () => this.backoff.deadline(),
      fire: (now) => {
        this.fireReconnect(now);
        return true;
      },
    },
    {
      name: 'connect',
      at: () => (CONNECTING[this.phase.code] ? (this.phase as ConnectingPhase).connectBy : null),
      fire: (now) => {
        const resuming = this.phase.code === 'resuming';
        this.scheduleReconnect(now, false, resuming ? 'the server did not answer Resume in time' : `the voice server did not complete the handshake within ${this.config.connectTimeoutMs} ms`);
        return true;
      },
    },
    {
      name: 'heartbeat',
      at: () => this.heartbeat.deadline(),
      fire: (now) => {
        const hb = this.heartbeat.due(now);
        if (!hb) return false;
        if (hb.kind === 'send') this.sendHeartbeat(hb.t);
        else this.scheduleReconnect(now, this.media?.cipher != null, `no heartbeat ACK for ${this.config.heartbeatMissLimit} heartbeats`);
        return true;
      },
    },
    {
      name: 'ip-discovery',
      at: () => this.discovery.deadline(),
      fire: (now) => {
        const disc = this.discovery.due(now);
        if (!disc) return false;
        const media = this.media;
        if (disc === 'send' && media) this.out({ type: 'udp-send', id: media.udpId, data: encodeIpDiscoveryRequest(media.ready.ssrc) });
        else if (disc === 'failed') this.scheduleReconnect(now, false, `no IP discovery answer after ${this.config.ipDiscoveryAttempts} tries`);
        return true;
      },
    },
    {
      name: 'udp-silence',
      // only while ready and once the server is known to answer on UDP
      at: () => (this.phase.code === 'ready' && this.media !== null ? this.media.silenceDeadline(this.config.udpSilenceTimeoutMs) : null),
      fire: (now) => {
        const silentMs = (this.media as MediaPath).takeSilence(now);
        this.warn('E_UDP_SILENT', `nothing arrived on the UDP path for ${silentMs} ms although the voice server answers on it; reconnecting`);
        this.scheduleReconnect(now, false, `the UDP path went silent for ${silentMs} ms`);
        return true;
      },
    },
    {
      name: 'udp-keepalive',
      at: () => (this.media === null ? null : this.media.keepaliveDeadline()),
      fire: (now) => {
        const media = this.media as MediaPath;
        this.out({ type: 'udp-send', id: media.udpId, data: media.nextKeepalive(now) });
        return true;
      },
    },
    {
      name: 'silence-tail',
      // the five silence frames after speech, one per 20 ms, then op 5 "not speaking"
      at: () => (this.phase.code === 'ready' && this.media?.cipher ? this.media.sender.deadline() : null),
      fire: (now) => {
        const media = this.media as MediaPath;
        const silence = media.sender.dueSilence(now);
        if (!silence || !media.cipher) return false;
        this.out({ type: 'udp-send', id: media.udpId, data: media.sender.packet(media.cipher, silence.frame) });
        if (silence.last) {
          this.sendJson({ op: VoiceOpcode.Speaking, d: { speaking: 0, delay: 0, ssrc: media.ready.ssrc } });
          media.speaking = false;
        }
        return true;
      },
    },
    {
      name: 'receiver',
      // reordering waits, speaking timeouts and held packets of unknown SSRCs
      at: () => this.rx.deadline(),
      fire: (now) => {
        this.rx.timeout(now, this.emit);
        return true;
      },
    },
  ];

  /** Runs the first due timer of the table; returns false when none is due. No allocation on the hot path. */
  private runDue(now: number): boolean {
    const timers = this.timers;
    for (let i = 0; i < timers.length; i++) {
      const t = timers[i] as SessionTimer;
      const at = t.at();
      if (at !== null && now >= at && t.fire(now)) return true;
    }
    return false;
  }

  /** The earliest deadline of the table (never in the past), or null when no timer is armed. */
  private nextDeadline(): number | null {
    let min: number | null = null;
    const timers = this.timers;
    for (let i = 0; i < timers.length; i++) {
      const at = (timers[i] as SessionTimer).at();
      if (at !== null && (min === null || at < min)) min = at;
    }
    return min === null ? null : Math.max(min, this.now);
  }

  /** The armed timers and their deadlines, by name (for debugging and tests; allocates). */
  pendingTimers(): { readonly name: string; readonly at: number }[] {
    const out: { name: string; at: number }[] = [];
    for (const t of this.timers) {
      const at = t.at();
      if (at !== null) out.push({ name: t.name, at });
    }
    return out;
  }
}

/** The states in which the handshake's connect deadline runs (from opening the WebSocket to Ready or Resumed). */
type ConnectingCode = 'connecting' | 'identifying' | 'discovering' | 'selecting-protocol' | 'resuming';
type ConnectingPhase = { readonly code: ConnectingCode; readonly connectBy: number };
// a table, not `'connectBy' in phase`: the timer table is read on every input, sent frames included
const CONNECTING: Readonly<Record<SessionStateCode, boolean>> = { idle: false, signalling: false, connecting: true, identifying: true, discovering: true, 'selecting-protocol': true, resuming: true, ready: false, backoff: false, 'waiting-for-server': false, disconnected: false, destroyed: false };
type WaitingPhase = { readonly code: 'waiting-for-server'; readonly waitBy: number; readonly why: TerminalError };

/**
 * A state with the data only it has: a deadline exists only in the state that waits for it, the kind of reconnect
 * only while backing off, the reason only while waiting for a server. Leaving a state drops its data.
 */
type Phase =
  | { readonly code: 'idle' | 'ready' | 'disconnected' | 'destroyed' }
  | { readonly code: 'signalling'; readonly joinBy: number }
  | ConnectingPhase
  | { readonly code: 'backoff'; readonly resume: boolean }
  | WaitingPhase;

/** One row of the session's timer table. */
interface SessionTimer {
  readonly name: string;
  at(): number | null;
  fire(now: number): boolean;
}

/** The states with a call under way (joining, connected, or on the way back to one). */
const LIVE: readonly SessionStateCode[] = ['signalling', 'connecting', 'identifying', 'discovering', 'selecting-protocol', 'ready', 'resuming', 'backoff', 'waiting-for-server'];

/**
 * Every legal move of the session, as `to: [from…]` (drawn in docs/architecture.md). The happy path is
 * idle → signalling → connecting → identifying → discovering → selecting-protocol → ready; a lost connection goes
 * to backoff and from there resumes (resuming → ready) or joins fresh (signalling); Discord reallocating the voice
 * server goes to waiting-for-server; a terminal failure or leave() to disconnected; destroy() from anywhere.
 */
export const SESSION_TRANSITIONS: Readonly<Record<SessionStateCode, readonly SessionStateCode[]>> = {
  idle: [],
  // join() (from idle or after a leave), a fresh join after a backoff, a new voice server (restartSignalling)
  signalling: ['idle', 'disconnected', ...LIVE],
  // the two main-gateway updates are in (also after waiting for a server), or a fresh attempt after a backoff
  connecting: ['signalling', 'waiting-for-server', 'backoff'],
  resuming: ['backoff'],
  identifying: ['connecting'],
  discovering: ['identifying'],
  'selecting-protocol': ['discovering'],
  ready: ['selecting-protocol', 'resuming'],
  backoff: LIVE,
  'waiting-for-server': LIVE,
  disconnected: ['idle', ...LIVE],
  destroyed: ['idle', 'disconnected', ...LIVE],
};

/** The host part of `host:port` or `[v6]:port`. */
function hostOf(endpoint: string): string {
  const v6 = /^\[([^\]]*)\]/.exec(endpoint);
  if (v6) return v6[1] as string;
  const i = endpoint.lastIndexOf(':');
  return i > 0 && endpoint.indexOf(':') === i ? endpoint.slice(0, i) : endpoint;
}


