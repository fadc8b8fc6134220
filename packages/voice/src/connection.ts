/**
 * The user API: `joinVoiceChannel` and `VoiceConnection`. Everything that waits has a timeout or an abort
 * signal; `destroy()` is idempotent and releases every socket and timer.
 */
import {
  VoiceError,
  VoiceSession,
  type CryptoProvider,
  type E2eeProvider,
  type SessionEvent,
  type SessionStateCode,
  type SessionStats,
  type TerminalError,
  type VoiceSessionConfig,
} from '@voicewire/voice-protocol';
import type { DiscordGatewayAdapterCreator, DiscordGatewayAdapterImplementerMethods } from './adapter.js';
import { VoiceDriver } from './driver.js';
import { TypedEmitter } from './emitter.js';
import { FramePacer } from '@voicewire/voice-protocol';
import { AudioReceiver, type ReceivedFrame } from './receiver.js';
import type { Transport } from './transport.js';

export interface JoinVoiceChannelOptions {
  readonly guildId: string;
  readonly channelId: string;
  readonly adapterCreator: DiscordGatewayAdapterCreator;
  readonly transport: Transport;
  readonly crypto: CryptoProvider;
  /** DAVE end-to-end encryption, required by Discord in voice channels (e.g. `daveProvider` from @voicewire/crypto-dave). */
  readonly e2ee?: E2eeProvider;
  readonly selfMute?: boolean;
  readonly selfDeaf?: boolean;
  /** The bot's user id; taken from the first VOICE_STATE_UPDATE when omitted. */
  readonly userId?: string;
  /**
   * Connections are kept per (group, guild): joining a guild that already has a live connection in the group
   * moves that connection (and applies selfMute/selfDeaf) instead of creating a second one. Default: the
   * `userId` when given (several bots in one process), else 'default'.
   */
  readonly group?: string;
  /** Advanced session settings (timeouts, reconnect policy, `wsScheme: 'ws'` for a plain local emulator). */
  readonly session?: Partial<Omit<VoiceSessionConfig, 'guildId' | 'channelId' | 'crypto' | 'random' | 'userId' | 'selfMute' | 'selfDeaf'>>;
  /** Monotonic milliseconds; defaults to performance.now(). */
  readonly now?: () => number;
  /** Uniform random in [0, 1); defaults to crypto.getRandomValues. */
  readonly random?: () => number;
}

export interface VoiceConnectionEvents {
  state: [from: SessionStateCode, to: SessionStateCode];
  ready: [info: { ssrc: number; mode: string; daveProtocolVersion: number }];
  resumed: [];
  reconnecting: [info: { attempt: number; delayMs: number; reason: string; resume: boolean }];
  /** A remote user started or stopped sending audio. */
  speaking: [userId: string, speaking: boolean];
  clientConnect: [userIds: readonly string[]];
  clientDisconnect: [userId: string];
  audio: [frame: ReceivedFrame];
  warning: [warning: { code: string; message: string }];
  stats: [stats: SessionStats];
  /** Discord moved the bot to another channel (or a moveTo() completed). */
  moved: [channelId: string];
  /** A DAVE transition executed: the call now runs with `protocolVersion`; show `privacyCode` to users who verify. */
  daveTransition: [info: { protocolVersion: number; privacyCode: string }];
  /** The connection ended: `error` is null after disconnect()/destroy(), else the terminal reason. */
  disconnected: [error: VoiceError | null];
  destroyed: [];
}

function defaultRandom(): number {
  const b = new Uint32Array(1);
  globalThis.crypto.getRandomValues(b);
  return (b[0] as number) / 0x100000000;
}

export class VoiceConnection extends TypedEmitter<VoiceConnectionEvents> {
  readonly guildId: string;
  readonly receiver = new AudioReceiver();
  // True private fields: util.inspect / console.log / JSON.stringify of a connection never reach the session
  // (tokens are redacted there too), the driver's timer (circular) or the adapter.
  readonly #session: VoiceSession;
  readonly #driver: VoiceDriver;
  readonly #adapter: DiscordGatewayAdapterImplementerMethods;
  private readonly now: () => number;
  private destroyedFlag = false;
  private lastError: VoiceError | null = null;
  /** Why destroy() was called when it was not the user's call (the adapter's destroy). */
  private destroyReason: VoiceError | null = null;
  /** Users in the call besides the bot (from op 11/13): a DAVE group needs at least one. */
  private readonly members = new Set<string>();
  /** DAVE version Session Description chose (0: transport encryption only, e.g. a Stage channel). */
  private describedDaveVersion = 0;
  readonly group: string;

  constructor(options: JoinVoiceChannelOptions) {
    super();
    this.guildId = options.guildId;
    this.group = options.group ?? options.userId ?? 'default';
    this.now = options.now ?? (() => performance.now());
    this.#session = new VoiceSession({
      ...options.session,
      guildId: options.guildId,
      channelId: options.channelId,
      ...(options.userId !== undefined ? { userId: options.userId } : {}),
      selfMute: options.selfMute ?? false,
      selfDeaf: options.selfDeaf ?? false,
      crypto: options.crypto,
      ...(options.e2ee ? { e2ee: options.e2ee } : {}),
      random: options.random ?? defaultRandom,
    });
    this.#driver = new VoiceDriver(this.#session, options.transport, {
      now: this.now,
      sendGateway: (payload) => this.#adapter.sendPayload(payload),
      onGatewaySendFailure: () => this.#driver.input((now) => this.#session.handleGatewaySendFailure(now)),
      onEvent: (e) => this.onSessionEvent(e),
    });
    this.#adapter = options.adapterCreator({
      onVoiceServerUpdate: (d) => this.#driver.input((now) => this.#session.handleVoiceServerUpdate(d, now)),
      onVoiceStateUpdate: (d) => this.#driver.input((now) => this.#session.handleVoiceStateUpdate(d, now)),
      // discord.js calls this when the shard's gateway connection closes or the bot leaves the guild
      destroy: () => this.destroyWith(new VoiceError('E_GATEWAY_CLOSED', "the main gateway adapter ended this connection (the bot's gateway connection closed, or it left the guild); join again once the gateway is back")),
    });
    this.#driver.input((now) => this.#session.join(now));
  }

  get state(): SessionStateCode {
    return this.#session.state;
  }

  /** What a bug report needs, without secrets: `JSON.stringify(connection)` and `console.log(connection)` show this. */
  toJSON(): { guildId: string; state: SessionStateCode; session: ReturnType<VoiceSession['toJSON']>; destroyed: boolean } {
    return { guildId: this.guildId, state: this.#session.state, session: this.#session.toJSON(), destroyed: this.destroyedFlag };
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `VoiceConnection ${JSON.stringify(this.toJSON())}`;
  }

  get stats(): SessionStats {
    return this.#session.stats();
  }

  /** True after destroy(): sends return false, stopSpeaking() does nothing, players drop this connection. */
  get destroyed(): boolean {
    return this.destroyedFlag;
  }

  /**
   * Why the connection is waiting for a new voice server (state 'waiting-for-server': closed with 4014 or 4022,
   * or the endpoint was removed): the error it ends with if none comes in time. Null in every other state.
   */
  get waitingReason(): VoiceError | null {
    const r = this.#session.waitingReason;
    return r ? toVoiceError(r) : null;
  }

  /** True when the server chose DAVE for this call (Session Description's dave_protocol_version > 0). */
  get daveExpected(): boolean {
    return this.describedDaveVersion > 0;
  }

  /**
   * The terminal error of the last disconnect: null while connected and after the user's disconnect()/destroy();
   * after the gateway adapter ended the connection, E_GATEWAY_CLOSED.
   */
  get lastDisconnectError(): VoiceError | null {
    return this.#session.state === 'disconnected' || this.destroyedFlag ? this.lastError : null;
  }

  /** The channel the bot is in (updated when Discord moves it). */
  get channelId(): string {
    return this.#session.channelId;
  }

  /** The channel last asked for: the target of a move Discord has not confirmed yet, else `channelId`. */
  get requestedChannelId(): string {
    return this.#session.requestedChannelId;
  }

  get selfMute(): boolean {
    return this.#session.selfMute;
  }

  get selfDeaf(): boolean {
    return this.#session.selfDeaf;
  }

  /** True while audio is end-to-end encrypted (DAVE established with a privacy code). */
  get e2ee(): boolean {
    return this.#session.stats().daveProtocolVersion > 0 && this.#session.privacyCode !== '';
  }

  /** Moves to another channel of the guild; `moved` fires when Discord confirms. */
  moveTo(channelId: string): void {
    this.assertAlive('moveTo()');
    this.#driver.input((now) => this.#session.moveTo(channelId, now));
  }

  setSelfMute(selfMute: boolean): void {
    this.assertAlive('setSelfMute()');
    this.#driver.input((now) => this.#session.setSelfState({ selfMute }, now));
  }

  setSelfDeaf(selfDeaf: boolean): void {
    this.assertAlive('setSelfDeaf()');
    this.#driver.input((now) => this.#session.setSelfState({ selfDeaf }, now));
  }

  /**
   * The 45-digit DAVE verification code shared with `userId` (compare it out of band to verify each other).
   * Rejects when the call is not end-to-end encrypted.
   */
  verificationCode(userId: string): Promise<string> {
    if (this.destroyedFlag) return Promise.reject(this.destroyedError('verificationCode()'));
    const code = this.#session.verificationCode(userId);
    return code ?? Promise.reject(new VoiceError('E_DAVE_UNSUPPORTED', 'there is no verification code: the call is not end-to-end encrypted (DAVE) right now'));
  }

  /** The DAVE voice privacy code of the current epoch (30 digits in groups of 5), '' without DAVE. */
  get privacyCode(): string {
    return this.#session.privacyCode;
  }

  /**
   * Resolves when the connection can send and receive audio. With `{ e2ee: true }` it waits until the audio is
   * end-to-end encrypted (the DAVE group is formed and `privacyCode` is set), or resolves at once when the server
   * chose no DAVE for this channel (a Stage channel). Rejects with the terminal VoiceError, on abort, or after
   * `timeoutMs` (default 30 s).
   */
  ready(options: { signal?: AbortSignal; timeoutMs?: number; e2ee?: boolean } = {}): Promise<void> {
    const usable = (): boolean => this.#session.state === 'ready' && (!options.e2ee || this.describedDaveVersion === 0 || this.e2ee);
    if (usable()) return Promise.resolve();
    if (this.destroyedFlag) return Promise.reject(this.destroyedError('ready()'));
    if (this.#session.state === 'disconnected') return Promise.reject(this.lastError ?? new VoiceError('E_DISCONNECTED', 'the connection is disconnected; call rejoin()'));
    return new Promise<void>((resolve, reject) => {
      const timeoutMs = options.timeoutMs ?? 30_000;
      const cleanup = (): void => {
        clearTimeout(timer);
        this.off('ready', onReady);
        this.off('resumed', onReady);
        this.off('daveTransition', onReady);
        this.off('disconnected', onDisconnected);
        this.off('destroyed', onDestroyed);
        options.signal?.removeEventListener('abort', onAbort);
      };
      const onReady = (): void => {
        if (!usable()) return;
        cleanup();
        resolve();
      };
      const onDisconnected = (error: VoiceError | null): void => {
        cleanup();
        reject(error ?? (this.destroyedFlag ? new VoiceError('E_DESTROYED', 'the connection was destroyed before it was ready') : new VoiceError('E_DISCONNECTED', 'the connection was disconnected before it was ready')));
      };
      const onDestroyed = (): void => {
        cleanup();
        reject(new VoiceError('E_DESTROYED', 'the connection was destroyed before it was ready'));
      };
      const onAbort = (): void => {
        cleanup();
        reject(new VoiceError('E_ABORTED', 'waiting for the voice connection was aborted', { cause: options.signal?.reason }));
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(this.readyTimeoutError(timeoutMs, options.e2ee === true));
      }, timeoutMs);
      if (options.signal?.aborted) return onAbort();
      options.signal?.addEventListener('abort', onAbort, { once: true });
      this.on('ready', onReady);
      this.on('resumed', onReady);
      this.on('daveTransition', onReady);
      this.on('disconnected', onDisconnected);
      this.on('destroyed', onDestroyed);
    });
  }

  /** What a ready() that timed out says: what it waited for, and what to do. */
  private readyTimeoutError(timeoutMs: number, e2ee: boolean): VoiceError {
    const state = this.#session.state;
    if (e2ee && state === 'ready') {
      const alone = this.members.size === 0;
      return new VoiceError(
        'E_TIMEOUT',
        alone
          ? `the voice connection is ready but was not end-to-end encrypted within ${timeoutMs} ms: the bot is alone in the channel, and a DAVE group forms only when a second member joins. Use ready() without { e2ee: true } to play to an empty channel (audio is encrypted as soon as someone joins). Two bots of one process that joined the same guild without their own userId (or group) share one connection — pass userId to each`
          : `the voice connection is ready but was not end-to-end encrypted within ${timeoutMs} ms (${this.members.size} other member(s) in the call; the DAVE handshake did not complete — see the 'warning' events)`,
      );
    }
    const why = this.waitingReason;
    return new VoiceError('E_TIMEOUT', `the voice connection was not ready within ${timeoutMs} ms (state: ${state}${why ? `; ${why.message}` : ''})`);
  }

  /** Speaking flags for op 5: 1 microphone (default), 2 soundshare, 4 priority. */
  setSpeaking(flags: number): void {
    this.assertAlive('setSpeaking()');
    this.#driver.input((now) => this.#session.setSpeaking(flags, now));
  }

  /** Sends one 20 ms Opus frame now. Returns false (and counts a drop) while the connection is not ready, and after destroy. */
  sendOpusFrame(opus: Uint8Array): boolean {
    if (this.destroyedFlag) return false;
    // the hot path: the session's command and the driver's drain, without a closure per frame
    const sent = this.#session.sendOpusFrame(opus, this.now());
    this.#driver.pump();
    return sent;
  }

  /** Five silence frames, then speaking 0. Does nothing after destroy (nothing is playing then). */
  stopSpeaking(): void {
    if (this.destroyedFlag) return;
    this.#driver.input((now) => this.#session.stopSpeaking(now));
  }

  /**
   * A writable stream of 20 ms Opus frames, paced by deadline (frame n leaves at start + n × 20 ms). Each write
   * resolves when its frame was sent, which gives natural backpressure. Closing it sends the silence tail.
   */
  createOpusWriter(options: { maxBurst?: number } = {}): WritableStream<Uint8Array> {
    const pacer = new FramePacer(20, options.maxBurst ?? 3);
    let timer: ReturnType<typeof setTimeout> | null = null;
    return new WritableStream<Uint8Array>(
      {
        write: (frame) =>
          new Promise<void>((resolve, reject) => {
            if (this.destroyedFlag) return reject(this.destroyedError("an Opus writer's write()"));
            const wait = pacer.next(this.now());
            const send = (): void => {
              timer = null;
              try {
                this.sendOpusFrame(frame);
                resolve();
              } catch (e) {
                reject(e);
              }
            };
            if (wait <= 0) send();
            else timer = setTimeout(send, wait);
          }),
        close: () => {
          if (!this.destroyedFlag) this.stopSpeaking();
        },
        abort: () => {
          if (timer !== null) clearTimeout(timer);
          if (!this.destroyedFlag) this.stopSpeaking();
        },
      },
      { highWaterMark: 3 },
    );
  }

  /** Leaves the channel; the connection can `rejoin()` later. */
  disconnect(): void {
    if (this.destroyedFlag) return;
    this.#driver.input((now) => this.#session.leave(now));
  }

  /** Joins again after a disconnect. */
  rejoin(): void {
    this.assertAlive('rejoin()');
    this.#driver.input((now) => this.#session.join(now));
  }

  /**
   * The rule after destroy(), for every method: what asks for something new — moveTo, setSelfMute, setSelfDeaf,
   * setSpeaking, rejoin — throws a VoiceError E_DESTROYED; what waits — ready(), verificationCode(), an Opus
   * writer's write — rejects with it; what stops or sends media is a no-op that says so where it can —
   * sendOpusFrame returns false, stopSpeaking, disconnect and destroy do nothing — because a player or a shutdown
   * path racing destroy() must not crash the bot. Getters keep answering with the final state.
   */
  private assertAlive(method: string): void {
    if (this.destroyedFlag) throw this.destroyedError(method);
  }

  private destroyedError(method: string): VoiceError {
    return new VoiceError('E_DESTROYED', `${method}: this connection was destroyed; call joinVoiceChannel() for a new one`);
  }

  /** Leaves, closes every socket and timer, ends every receive subscription. Idempotent (see assertAlive for the rule after it). */
  destroy(): void {
    this.destroyWith(null);
  }

  /** destroy(), with the reason `disconnected` and `lastDisconnectError` report when it was not the user's call. */
  private destroyWith(reason: VoiceError | null): void {
    if (this.destroyedFlag) return;
    this.destroyReason = reason;
    const wasDisconnected = this.#session.state === 'disconnected' || this.#session.state === 'idle';
    this.destroyedFlag = true;
    if (registry.get(registryKey(this.group, this.guildId)) === this) registry.delete(registryKey(this.group, this.guildId));
    this.#driver.input((now) => this.#session.destroy(now));
    this.#driver.release();
    if (reason && wasDisconnected) {
      // the session had nothing to leave, so it said nothing: say why the connection ended
      this.lastError = reason;
      this.emit('disconnected', reason);
    }
    this.receiver.endAll();
    try {
      this.#adapter.destroy();
    } catch {
      // the adapter's own cleanup failing must not keep the connection alive
    }
    this.emit('destroyed');
    this.removeAllListeners();
  }

  private onSessionEvent(e: SessionEvent): unknown {
    switch (e.type) {
      case 'state':
        return this.emit('state', e.from, e.to);
      case 'ready':
        this.describedDaveVersion = e.daveProtocolVersion;
        return this.emit('ready', { ssrc: e.ssrc, mode: e.mode, daveProtocolVersion: e.daveProtocolVersion });
      case 'moved':
        return this.emit('moved', e.channelId);
      case 'resumed':
        return this.emit('resumed');
      case 'reconnecting':
        return this.emit('reconnecting', { attempt: e.attempt, delayMs: e.delayMs, reason: e.reason, resume: e.resume });
      case 'user-speaking':
        this.receiver.speaking(e.userId, e.speaking);
        return this.emit('speaking', e.userId, e.speaking);
      case 'client-connect':
        for (const id of e.userIds) this.members.add(id);
        return this.emit('clientConnect', e.userIds);
      case 'client-disconnect':
        this.members.delete(e.userId);
        return this.emit('clientDisconnect', e.userId);
      case 'audio': {
        const frame: ReceivedFrame = { userId: e.userId, ssrc: e.ssrc, sequence: e.sequence, timestamp: e.timestamp, opus: e.opus };
        this.receiver.deliver(frame);
        return this.emit('audio', frame);
      }
      case 'warning':
        return this.emit('warning', { code: e.code, message: e.message });
      case 'stats':
        return this.emit('stats', e.stats);
      case 'dave-transition':
        return this.emit('daveTransition', { protocolVersion: e.protocolVersion, privacyCode: e.privacyCode });
      case 'disconnected': {
        const err = e.error ? toVoiceError(e.error) : this.destroyReason;
        this.lastError = err;
        return this.emit('disconnected', err);
      }
      default:
        return;
    }
  }
}

function toVoiceError(e: TerminalError): VoiceError {
  return new VoiceError(e.code, e.message, e.closeCode !== undefined ? { closeCode: e.closeCode } : undefined);
}

const registry = new Map<string, VoiceConnection>();
const registryKey = (group: string, guildId: string): string => `${group}\u0000${guildId}`;

/**
 * Joins a voice channel. The connection starts at once; `await connection.ready()` to wait until it is usable.
 * A guild that already has a live connection in the same group gets that connection back, moved to `channelId`
 * (and with the new selfMute/selfDeaf) — never a second connection competing for the same voice state.
 */
export function joinVoiceChannel(options: JoinVoiceChannelOptions): VoiceConnection {
  const key = registryKey(options.group ?? options.userId ?? 'default', options.guildId);
  const existing = registry.get(key);
  if (existing && !existing.destroyed) {
    if (existing.requestedChannelId !== options.channelId) existing.moveTo(options.channelId);
    if (options.selfMute !== undefined && options.selfMute !== existing.selfMute) existing.setSelfMute(options.selfMute);
    if (options.selfDeaf !== undefined && options.selfDeaf !== existing.selfDeaf) existing.setSelfDeaf(options.selfDeaf);
    return existing;
  }
  const connection = new VoiceConnection(options);
  registry.set(key, connection);
  return connection;
}

/** The live connection of a guild in a group (default group: 'default', or the userId the connection was given). */
export function getVoiceConnection(guildId: string, group = 'default'): VoiceConnection | undefined {
  return registry.get(registryKey(group, guildId));
}

/** Every live connection, optionally of one group. */
export function getVoiceConnections(group?: string): VoiceConnection[] {
  return [...registry.values()].filter((c) => group === undefined || c.group === group);
}
