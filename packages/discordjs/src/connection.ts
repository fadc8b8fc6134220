/**
 * VoiceConnection, joinVoiceChannel and the connection registry with @discordjs/voice's names, states and events,
 * on a voicewire connection (the protocol core, the runtime's transport, the fastest crypto provider, DAVE).
 *
 * Status mapping (voicewire session state → status):
 *   idle, signalling                                  → Signalling
 *   connecting … selecting-protocol, resuming, backoff → Connecting (voicewire resumes by itself)
 *   ready                                             → Ready (the DAVE group may still be forming)
 *   waiting-for-server (after 4014/4022, no endpoint) → Disconnected (WebSocketClose + closeCode, or EndpointRemoved)
 *   disconnected                                      → Disconnected (Manual after disconnect(), else the close code)
 *   destroyed                                         → Destroyed
 */
import { EventEmitter } from 'node:events';
import type { CryptoProvider, E2eeProvider, SessionStateCode, VoiceSessionConfig } from '@voicewire/voice-protocol';
import type { DiscordGatewayAdapterCreator, Transport, VoiceConnection as VwConnection, VoiceError } from '@voicewire/voice';
import { getVoiceConnection as vwGet, getVoiceConnections as vwAll, joinVoiceChannel as vwJoin } from 'voicewire';
import { VoiceConnectionDisconnectReason, VoiceConnectionStatus } from './enums.js';
import type { AudioPlayer, PlayerSubscription } from './player.js';
import { VoiceReceiver } from './receiver.js';

export interface JoinConfig {
  channelId: string | null;
  group: string;
  guildId: string;
  selfDeaf: boolean;
  selfMute: boolean;
}

export interface CreateVoiceConnectionOptions {
  adapterCreator: DiscordGatewayAdapterCreator;
  /** DAVE end-to-end encryption. Default true (Discord requires it outside Stage channels). */
  daveEncryption?: boolean | undefined;
  /** Emit 'debug' events. Default false. */
  debug?: boolean | undefined;
  /**
   * Accepted for compatibility and not used: voicewire recovers a broken DAVE group through the protocol's own
   * recovery (invalid commit/welcome → op 31 and a new key package), not after a count of failed frames.
   */
  decryptionFailureTolerance?: number | undefined;
}

export interface JoinVoiceChannelOptions {
  channelId: string;
  group?: string;
  guildId: string;
  /** Default true, as in @discordjs/voice (join with selfDeaf: false to receive audio). */
  selfDeaf?: boolean;
  /** Default false. */
  selfMute?: boolean;
}

/** voicewire's own options, for those who want them; a bot moving from @discordjs/voice needs none. */
export interface VoicewireJoinExtras {
  transport?: Transport;
  crypto?: CryptoProvider;
  e2ee?: E2eeProvider;
  /** The bot's user id (otherwise taken from the first VOICE_STATE_UPDATE). */
  userId?: string;
  session?: Partial<Omit<VoiceSessionConfig, 'guildId' | 'channelId' | 'crypto' | 'random' | 'userId' | 'selfMute' | 'selfDeaf'>>;
}

interface Base {
  subscription?: PlayerSubscription | undefined;
}
export interface VoiceConnectionSignallingState extends Base {
  status: VoiceConnectionStatus.Signalling;
}
export interface VoiceConnectionConnectingState extends Base {
  status: VoiceConnectionStatus.Connecting;
}
export interface VoiceConnectionReadyState extends Base {
  status: VoiceConnectionStatus.Ready;
}
export interface VoiceConnectionDisconnectedBaseState extends Base {
  status: VoiceConnectionStatus.Disconnected;
  /** voicewire: the error behind the disconnect (null after disconnect()). */
  error?: VoiceError | null;
}
export interface VoiceConnectionDisconnectedOtherState extends VoiceConnectionDisconnectedBaseState {
  reason: Exclude<VoiceConnectionDisconnectReason, VoiceConnectionDisconnectReason.WebSocketClose>;
}
export interface VoiceConnectionDisconnectedWebSocketState extends VoiceConnectionDisconnectedBaseState {
  reason: VoiceConnectionDisconnectReason.WebSocketClose;
  closeCode: number;
}
export type VoiceConnectionDisconnectedState = VoiceConnectionDisconnectedOtherState | VoiceConnectionDisconnectedWebSocketState;
export interface VoiceConnectionDestroyedState {
  status: VoiceConnectionStatus.Destroyed;
}
export type VoiceConnectionState = VoiceConnectionConnectingState | VoiceConnectionDestroyedState | VoiceConnectionDisconnectedState | VoiceConnectionReadyState | VoiceConnectionSignallingState;

export interface VoiceConnection extends EventEmitter {
  on(event: 'error', listener: (error: Error) => void): this;
  on(event: 'debug', listener: (message: string) => void): this;
  on(event: 'stateChange', listener: (oldState: VoiceConnectionState, newState: VoiceConnectionState) => void): this;
  on(event: 'transitioned', listener: (transitionId: number) => void): this;
  on<E extends VoiceConnectionStatus>(event: E, listener: (oldState: VoiceConnectionState, newState: VoiceConnectionState & { status: E }) => void): this;
  on(event: string | symbol, listener: (...args: any[]) => void): this;
}

const CONNECTING: ReadonlySet<SessionStateCode> = new Set<SessionStateCode>(['connecting', 'identifying', 'discovering', 'selecting-protocol', 'resuming', 'backoff']);

export class VoiceConnection extends EventEmitter {
  /** Rejoins since the last time the connection was Ready. */
  rejoinAttempts = 0;
  readonly joinConfig: JoinConfig;
  readonly receiver: VoiceReceiver;
  /** The voicewire connection underneath (stats, events and API of @voicewire/voice). */
  readonly voicewire: VwConnection;
  private _state: VoiceConnectionState;
  private manual = false;
  /** Depth of settle() calls under way: the native connection's moves inside one are not this connection's. */
  private settling = 0;
  private transitions = 0;
  private readonly debugLog: ((m: string) => void) | null;

  /** @internal Use joinVoiceChannel. */
  constructor(joinConfig: JoinConfig, options: CreateVoiceConnectionOptions & VoicewireJoinExtras) {
    super();
    this.joinConfig = joinConfig;
    this.debugLog = options.debug ? (m) => this.emit('debug', m) : null;
    this._state = { status: VoiceConnectionStatus.Signalling };
    this.voicewire = vwJoin({
      guildId: joinConfig.guildId,
      channelId: joinConfig.channelId as string,
      adapterCreator: options.adapterCreator,
      selfDeaf: joinConfig.selfDeaf,
      selfMute: joinConfig.selfMute,
      group: `${GROUP_PREFIX}${joinConfig.group}`,
      e2ee: options.daveEncryption === false ? false : (options.e2ee ?? undefined),
      ...(options.transport ? { transport: options.transport } : {}),
      ...(options.crypto ? { crypto: options.crypto } : {}),
      ...(options.userId ? { userId: options.userId } : {}),
      ...(options.session ? { session: options.session } : {}),
    } as Parameters<typeof vwJoin>[0]);
    wrappers.set(this.voicewire, this);
    this.receiver = new VoiceReceiver(this);
    const v = this.voicewire;
    const update = (): void => this.sync();
    v.on('state', (from, to) => {
      this.debugLog?.(`voicewire state ${from} → ${to}`);
      // 'disconnected' is followed, in the same drain, by the event that carries the error: sync on that one, so
      // the Disconnected state is entered once, with its error and close code.
      if (to !== 'disconnected') update();
    });
    v.on('ready', update);
    v.on('resumed', update);
    v.on('daveTransition', () => {
      this.emit('transitioned', ++this.transitions);
      update();
    });
    v.on('disconnected', update);
    v.on('destroyed', update);
    v.on('warning', (w) => this.debugLog?.(`warning ${w.code}: ${w.message}`));
    v.on('reconnecting', (r) => this.debugLog?.(`reconnecting (attempt ${r.attempt}, in ${Math.round(r.delayMs)} ms, ${r.resume ? 'resume' : 'fresh join'}): ${r.reason}`));
    this.sync();
  }

  get state(): VoiceConnectionState {
    return this._state;
  }

  set state(newState: VoiceConnectionState) {
    const old = this._state;
    const oldSub = 'subscription' in old ? old.subscription : undefined;
    const newSub = 'subscription' in newState ? newState.subscription : undefined;
    this._state = newState;
    if (oldSub && oldSub !== newSub) oldSub.unsubscribe();
    if (newState.status === VoiceConnectionStatus.Ready) this.rejoinAttempts = 0;
    this.debugLog?.(`state change: ${old.status} → ${newState.status}`);
    this.emit('stateChange', old, newState);
    if (old.status !== newState.status) this.emit(newState.status, old, newState);
  }

  /** The status the voicewire connection is in now, as @discordjs/voice names it. */
  private derive(): VoiceConnectionState {
    const v = this.voicewire;
    const subscription = 'subscription' in this._state ? this._state.subscription : undefined;
    const sub = subscription ? { subscription } : {};
    if (v.destroyed) return { status: VoiceConnectionStatus.Destroyed };
    const code = v.state;
    // Ready when the voice connection is (as in @discordjs/voice): a lone member has no DAVE group to wait for.
    // `await connection.voicewire.ready({ e2ee: true })` waits until the audio is end-to-end encrypted.
    if (code === 'ready') return { status: VoiceConnectionStatus.Ready, ...sub };
    if (CONNECTING.has(code)) return { status: VoiceConnectionStatus.Connecting, ...sub };
    if (code === 'waiting-for-server') {
      const why = v.waitingReason;
      const closeCode = why?.closeCode;
      return closeCode !== undefined
        ? { status: VoiceConnectionStatus.Disconnected, reason: VoiceConnectionDisconnectReason.WebSocketClose, closeCode, error: why, ...sub }
        : { status: VoiceConnectionStatus.Disconnected, reason: VoiceConnectionDisconnectReason.EndpointRemoved, error: why, ...sub };
    }
    if (code === 'disconnected') {
      if (this.manual) return { status: VoiceConnectionStatus.Disconnected, reason: VoiceConnectionDisconnectReason.Manual, error: null, ...sub };
      const err = v.lastDisconnectError;
      const closeCode = err?.closeCode;
      if (err?.code === 'E_GATEWAY_UNAVAILABLE') return { status: VoiceConnectionStatus.Disconnected, reason: VoiceConnectionDisconnectReason.AdapterUnavailable, error: err, ...sub };
      if (err?.code === 'E_ENDPOINT_UNREACHABLE' && closeCode === undefined) return { status: VoiceConnectionStatus.Disconnected, reason: VoiceConnectionDisconnectReason.EndpointRemoved, error: err, ...sub };
      // No close code (a join timeout, a failed IP discovery): 1006, "closed abnormally"; `error` says what happened.
      return { status: VoiceConnectionStatus.Disconnected, reason: VoiceConnectionDisconnectReason.WebSocketClose, closeCode: closeCode ?? 1006, error: err, ...sub };
    }
    return { status: VoiceConnectionStatus.Signalling, ...sub };
  }

  private sync(): void {
    if (this.settling > 0) return;
    const next = this.derive();
    const cur = this._state;
    const same = next.status === cur.status && (next.status !== VoiceConnectionStatus.Disconnected || ((next as { reason: number }).reason === (cur as { reason: number }).reason && (next as { closeCode?: number }).closeCode === (cur as { closeCode?: number }).closeCode));
    if (same) return;
    // the subscription ends with the connection: the state setter unsubscribes it; the native connection left the
    // registry as it was destroyed, and with it this one
    if (next.status === VoiceConnectionStatus.Destroyed) this.debugLog?.('removed from the registry');
    this.state = next;
  }

  /** Subscribes this connection to a player (replacing a previous subscription). Undefined once destroyed. */
  subscribe(player: AudioPlayer): PlayerSubscription | undefined {
    if (this._state.status === VoiceConnectionStatus.Destroyed) return undefined;
    const subscription = (player as unknown as { subscribe(c: VoiceConnection): PlayerSubscription })['subscribe'](this);
    this.state = { ...this._state, subscription } as VoiceConnectionState;
    return subscription;
  }

  /** @internal */
  onSubscriptionRemoved(subscription: PlayerSubscription): void {
    if (this._state.status !== VoiceConnectionStatus.Destroyed && this._state.subscription === subscription) {
      this.state = { ...this._state, subscription: undefined } as VoiceConnectionState;
    }
  }

  /** Sends one Opus packet now (what the player does every 20 ms). */
  playOpusPacket(buffer: Buffer): boolean | undefined {
    if (this._state.status !== VoiceConnectionStatus.Ready) return undefined;
    return this.voicewire.sendOpusFrame(buffer);
  }

  /** Speaking on (flags: microphone) or off (five silence frames, then speaking 0). */
  setSpeaking(enabled: boolean): false | void {
    if (this._state.status !== VoiceConnectionStatus.Ready) return false;
    if (enabled) this.voicewire.setSpeaking(1);
    else this.voicewire.stopSpeaking();
  }

  /** Leaves the channel; `rejoin()` joins again. False when already destroyed. */
  disconnect(): boolean {
    if (this._state.status === VoiceConnectionStatus.Destroyed || this._state.status === VoiceConnectionStatus.Signalling) return false;
    this.manual = true;
    this.joinConfig.channelId = null;
    this.voicewire.disconnect();
    this.sync();
    return true;
  }

  /**
   * Joins again (after a disconnect), or moves / changes self mute and deaf while connected. Counts
   * `rejoinAttempts`. False once destroyed.
   */
  rejoin(joinConfig?: Omit<JoinConfig, 'group' | 'guildId'>): boolean {
    if (this._state.status === VoiceConnectionStatus.Destroyed) return false;
    const next = { ...this.joinConfig, ...joinConfig };
    const v = this.voicewire;
    this.rejoinAttempts++;
    this.manual = false;
    const channelId = next.channelId ?? this.joinConfig.channelId ?? v.channelId;
    Object.assign(this.joinConfig, { channelId, selfDeaf: next.selfDeaf, selfMute: next.selfMute });
    if (v.state === 'disconnected' || v.state === 'idle' || v.state === 'waiting-for-server') {
      // a fresh join: leave what is left, then ask the main gateway again. @discordjs/voice goes Disconnected →
      // Signalling in one step; the native connection passes through disconnected first.
      this.settle(() => {
        if (v.state === 'waiting-for-server') v.disconnect();
        this.applyJoinConfig(channelId, next);
        v.rejoin();
      });
      return true;
    }
    this.applyJoinConfig(channelId, next);
    return true;
  }

  /**
   * Runs native calls as one step: the states the native connection passes through meanwhile are not reported,
   * and this connection then moves once, to the state the native one ended in (also when `run` throws).
   */
  private settle(run: () => void): void {
    this.settling++;
    try {
      run();
    } finally {
      this.settling--;
      this.sync();
    }
  }

  /** The channel and self mute/deaf of a join config, applied to the native connection where they differ. */
  private applyJoinConfig(channelId: string | null, next: { selfDeaf: boolean; selfMute: boolean }): void {
    const v = this.voicewire;
    if (channelId && channelId !== v.requestedChannelId) v.moveTo(channelId);
    if (next.selfDeaf !== v.selfDeaf) v.setSelfDeaf(next.selfDeaf);
    if (next.selfMute !== v.selfMute) v.setSelfMute(next.selfMute);
  }

  /**
   * Leaves, releases every socket and timer, and removes the connection from the registry. Calling it again is a
   * no-op (in @discordjs/voice it throws).
   */
  destroy(adapterAvailable = true): void {
    void adapterAvailable; // voicewire's adapter teardown copes with an adapter that is gone
    if (this._state.status === VoiceConnectionStatus.Destroyed) return;
    this.receiver.destroyAll();
    this.voicewire.destroy();
    this.sync();
    if ((this._state as VoiceConnectionState).status !== VoiceConnectionStatus.Destroyed) this.state = { status: VoiceConnectionStatus.Destroyed };
  }

  /** Latest round trips in ms: the voice WebSocket heartbeat and UDP keepalive. */
  get ping(): { ws: number | undefined; udp: number | undefined } {
    if (this._state.status !== VoiceConnectionStatus.Ready) return { ws: undefined, udp: undefined };
    const s = this.voicewire.stats;
    return { ws: s.wsRttMs ?? undefined, udp: s.udpRttMs ?? undefined };
  }

  /** The DAVE voice privacy code of the call, undefined without end-to-end encryption. */
  get voicePrivacyCode(): string | undefined {
    return this.voicewire.e2ee ? this.voicewire.privacyCode : undefined;
  }

  /** The DAVE verification code shared with a user; rejects without end-to-end encryption. */
  getVerificationCode(userId: string): Promise<string> {
    return this.voicewire.verificationCode(userId);
  }

  /** JSON and util.inspect show this, never tokens or session ids. */
  toJSON(): { status: VoiceConnectionStatus; joinConfig: JoinConfig; voicewire: unknown } {
    return { status: this._state.status, joinConfig: { ...this.joinConfig }, voicewire: this.voicewire.toJSON() };
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `VoiceConnection ${JSON.stringify(this.toJSON())}`;
  }
}

// ───────────────────────────── the registry ─────────────────────────────

// One registry: voicewire's own. A drop-in connection's native connection is registered there under the group
// `@voicewire/discordjs:<group>`; this module maps each native connection to its drop-in object.
const GROUP_PREFIX = '@voicewire/discordjs:';
const wrappers = new WeakMap<VwConnection, VoiceConnection>();
const live = (c: VoiceConnection | undefined): VoiceConnection | undefined => (c && c.state.status !== VoiceConnectionStatus.Destroyed ? c : undefined);

/** Every group of connections: group → (guild id → connection), as @discordjs/voice's getGroups() (a snapshot). */
export function getGroups(): Map<string, Map<string, VoiceConnection>> {
  const groups = new Map<string, Map<string, VoiceConnection>>([['default', new Map()]]);
  for (const native of vwAll()) {
    if (!native.group.startsWith(GROUP_PREFIX)) continue;
    const c = live(wrappers.get(native));
    if (!c) continue;
    let g = groups.get(c.joinConfig.group);
    if (!g) groups.set(c.joinConfig.group, (g = new Map()));
    g.set(c.joinConfig.guildId, c);
  }
  return groups;
}

export function getVoiceConnections(group?: 'default'): Map<string, VoiceConnection>;
export function getVoiceConnections(group: string): Map<string, VoiceConnection> | undefined;
export function getVoiceConnections(group = 'default'): Map<string, VoiceConnection> | undefined {
  return getGroups().get(group);
}

export function getVoiceConnection(guildId: string, group = 'default'): VoiceConnection | undefined {
  const native = vwGet(guildId, `${GROUP_PREFIX}${group}`);
  return native ? live(wrappers.get(native)) : undefined;
}

/**
 * Joins a voice channel. A guild that already has a connection in the group gets it back, rejoined with the new
 * channel and self mute/deaf.
 */
export function joinVoiceChannel(options: CreateVoiceConnectionOptions & JoinVoiceChannelOptions & VoicewireJoinExtras): VoiceConnection {
  const joinConfig: JoinConfig = { selfDeaf: options.selfDeaf ?? true, selfMute: options.selfMute ?? false, group: options.group ?? 'default', guildId: options.guildId, channelId: options.channelId };
  const existing = getVoiceConnection(joinConfig.guildId, joinConfig.group);
  if (existing && existing.state.status !== VoiceConnectionStatus.Destroyed) {
    existing.rejoin({ channelId: joinConfig.channelId, selfDeaf: joinConfig.selfDeaf, selfMute: joinConfig.selfMute });
    return existing;
  }
  return new VoiceConnection(joinConfig, options);
}
