/**
 * The main gateway's voice part, as the emulator plays it (docs/protocol.md §2): members' voice states from op 4,
 * the VOICE_STATE_UPDATE / VOICE_SERVER_UPDATE answers, voice tokens, endpoints per guild, full channels. The voice
 * sessions themselves are the core's; this part only tells it when one must end.
 */
import { memberKey } from './keys.js';

/** A member's voice state: what its latest op 4 asked for, and the token a voice Identify must bring. */
export interface MemberVoiceState {
  readonly userId: string;
  readonly guildId: string;
  channelId: string;
  selfMute: boolean;
  selfDeaf: boolean;
  /** The main-gateway session id (stable per user, as Discord's is per gateway connection). */
  readonly sessionId: string;
  token: string;
}

export interface MainGatewayHooks {
  dispatch(userId: string, t: 'VOICE_STATE_UPDATE' | 'VOICE_SERVER_UPDATE', d: Record<string, unknown>): void;
  /** Ends the member's voice session, if it has one, closing its socket with `code`. */
  endVoiceSession(guildId: string, userId: string, code: number): void;
  randomHex(bytes: number): string;
}

export class MainGateway {
  private readonly states = new Map<string, MemberVoiceState>();
  private readonly sessionIds = new Map<string, string>();
  private readonly endpoints = new Map<string, string>();
  private readonly fullChannels = new Set<string>();

  constructor(private readonly defaultEndpoint: string, private readonly hooks: MainGatewayHooks) {}

  /** A client's op 4 Voice State Update (docs/protocol.md §2.1). */
  voiceStateUpdate(userId: string, d: { guild_id: string; channel_id: string | null; self_mute?: boolean; self_deaf?: boolean }): void {
    const key = memberKey(d.guild_id, userId);
    const sessionId = this.sessionIdOf(userId);
    const selfMute = !!d.self_mute;
    const selfDeaf = !!d.self_deaf;
    const stateUpdate = (channelId: string | null): Record<string, unknown> => ({ guild_id: d.guild_id, channel_id: channelId, user_id: userId, session_id: sessionId, self_mute: selfMute, self_deaf: selfDeaf, ...(channelId === null ? {} : { deaf: false, mute: false, suppress: false }) });
    if (d.channel_id === null) {
      this.states.delete(key);
      this.hooks.endVoiceSession(d.guild_id, userId, 4014);
      this.hooks.dispatch(userId, 'VOICE_STATE_UPDATE', stateUpdate(null));
      return;
    }
    const prev = this.states.get(key);
    if (prev && prev.channelId === d.channel_id && (prev.selfMute !== selfMute || prev.selfDeaf !== selfDeaf)) {
      prev.selfMute = selfMute;
      prev.selfDeaf = selfDeaf;
      // Same channel as the member's voice state: only the self mute/deaf flags changed. Discord answers with a
      // VOICE_STATE_UPDATE alone — also while the client is still connecting to the voice server of a join or a
      // move (the voice state already names the channel; the token it was given stays valid).
      this.hooks.dispatch(userId, 'VOICE_STATE_UPDATE', stateUpdate(d.channel_id));
      return;
    }
    if (this.fullChannels.has(d.channel_id)) return; // Discord answers nothing when the channel is full (§2.1)
    const token = this.hooks.randomHex(8);
    this.states.set(key, { userId, guildId: d.guild_id, channelId: d.channel_id, sessionId, token, selfMute, selfDeaf });
    this.hooks.dispatch(userId, 'VOICE_STATE_UPDATE', stateUpdate(d.channel_id));
    this.hooks.dispatch(userId, 'VOICE_SERVER_UPDATE', { token, guild_id: d.guild_id, endpoint: this.endpointFor(d.guild_id) });
    // A join or move invalidates the old voice session; the client Identifies fresh with the new token.
    this.hooks.endVoiceSession(d.guild_id, userId, 4014);
  }

  /** The member's voice state (in `guildId`, or the user's first guild), or undefined when in no voice channel. */
  voiceState(userId: string, guildId?: string): MemberVoiceState | undefined {
    if (guildId !== undefined) return this.states.get(memberKey(guildId, userId));
    for (const s of this.states.values()) if (s.userId === userId) return s;
    return undefined;
  }

  /** Every member's voice state in the guild (what GUILD_CREATE's `voice_states` carries). */
  voiceStates(guildId: string): MemberVoiceState[] {
    return [...this.states.values()].filter((s) => s.guildId === guildId);
  }

  /**
   * Voice server migration (docs/protocol.md §2.3–§2.4): every member of the guild gets a VOICE_SERVER_UPDATE with
   * a new token and `endpoint` (null = reallocating), and its voice session ends with 4022.
   */
  changeEndpoint(guildId: string, endpoint: string | null): void {
    if (endpoint !== null) this.endpoints.set(guildId, endpoint);
    for (const s of [...this.states.values()]) {
      if (s.guildId !== guildId) continue;
      s.token = this.hooks.randomHex(8);
      this.hooks.dispatch(s.userId, 'VOICE_SERVER_UPDATE', { token: s.token, guild_id: guildId, endpoint });
      this.hooks.endVoiceSession(guildId, s.userId, 4022);
    }
  }

  /** A full channel: op 4 for it gets no answer at all, as on Discord. */
  setChannelFull(channelId: string, full: boolean): void {
    if (full) this.fullChannels.add(channelId);
    else this.fullChannels.delete(channelId);
  }

  endpointFor(guildId: string): string {
    return this.endpoints.get(guildId) ?? this.defaultEndpoint;
  }

  /** Endpoints this server answers to (the configured one and any set by changeEndpoint). */
  servesEndpoint(endpoint: string): boolean {
    return endpoint === this.defaultEndpoint || [...this.endpoints.values()].includes(endpoint);
  }

  private sessionIdOf(userId: string): string {
    let id = this.sessionIds.get(userId);
    if (!id) this.sessionIds.set(userId, (id = this.hooks.randomHex(16)));
    return id;
  }
}
