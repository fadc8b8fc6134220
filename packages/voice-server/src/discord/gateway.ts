/**
 * Discord's main gateway (v10, JSON), as much of it as a discord.js bot needs to log in and use voice: Hello,
 * Identify (token, intents, shard) → READY and a GUILD_CREATE per guild of the shard, heartbeats, Resume →
 * replayed dispatches and RESUMED (or Invalid Session), op 4 → VOICE_STATE_UPDATE + VOICE_SERVER_UPDATE, and every
 * member's voice state changes to the bots that share its guild. Everything a socket sends is untrusted: a bad
 * message closes that socket with Discord's code, never throws, and never logs a token.
 */
import { randomBytes } from 'node:crypto';
import type { WebSocket } from 'ws';
import { guildCreate, voiceStateObject, type VoiceStateFields } from './payloads.js';
import { shardOf, type Bot, type DiscordWorld } from './world.js';

/** Gateway intents Discord defines (bits 0–16, 20, 21, 24, 25), and the privileged ones. */
const KNOWN_INTENTS = ((1 << 17) - 1) | (1 << 20) | (1 << 21) | (1 << 24) | (1 << 25);
const PRIVILEGED_INTENTS = (1 << 1) | (1 << 8) | (1 << 15);
const GUILD_VOICE_STATES = 1 << 7;
/** Discord closes a client message over 4096 bytes. */
const MAX_MESSAGE = 4096;
/** Dispatches kept per session for Resume; an older sequence gets Invalid Session. */
const REPLAY_BUFFER = 1000;
/** How long a session whose socket closed can be resumed, and how many sessions are kept at most. */
const RESUME_WINDOW_MS = 120_000;
const MAX_SESSIONS = 2_000;

/** Discord's gateway close codes used here. */
export const GatewayClose = {
  UnknownOpcode: 4001,
  DecodeError: 4002,
  NotAuthenticated: 4003,
  AuthenticationFailed: 4004,
  AlreadyAuthenticated: 4005,
  RateLimited: 4008,
  SessionTimedOut: 4009,
  InvalidShard: 4010,
  InvalidApiVersion: 4012,
  InvalidIntents: 4013,
  DisallowedIntents: 4014,
} as const;

export interface GatewayHooks {
  /** A bot's op 4 (already checked): the voice part answers with dispatches through `voiceDispatch`. */
  voiceStateUpdate(userId: string, d: { guild_id: string; channel_id: string | null; self_mute: boolean; self_deaf: boolean }): void;
  /** Every member's voice state in a guild (for GUILD_CREATE). */
  voiceStatesIn(guildId: string): VoiceStateFields[];
  /** `ws://host:port`, the URL READY gives for resuming. */
  readonly url: string;
}

interface Session {
  readonly id: string;
  readonly bot: Bot;
  readonly shard: readonly [number, number];
  readonly intents: number;
  seq: number;
  readonly replay: { s: number; text: string }[];
  conn: Conn | null;
  closedAt: number | null;
}

interface Conn {
  readonly socket: WebSocket;
  session: Session | null;
  identifyTimer: ReturnType<typeof setTimeout> | null;
  heartbeatTimer: ReturnType<typeof setTimeout> | null;
  windowStart: number;
  commands: number;
  /** Closed by the emulator: what the socket still sends is not read. */
  closing: boolean;
}

export interface GatewayStats {
  /** Sockets closed for what they sent (bad JSON, unknown ops, floods, bad tokens or intents, timeouts). */
  closedForInput: number;
  identifies: number;
  resumes: number;
  invalidSessions: number;
}

export class DiscordGateway {
  private readonly conns = new Set<Conn>();
  private readonly sessions = new Map<string, Session>();
  readonly stats: GatewayStats = { closedForInput: 0, identifies: 0, resumes: 0, invalidSessions: 0 };

  constructor(private readonly world: DiscordWorld, private readonly hooks: GatewayHooks) {}

  /** A new gateway socket (its URL's `v` already checked by the caller): Hello, and the identify deadline. */
  accept(socket: WebSocket, version: string | null, encoding: string | null): void {
    const conn: Conn = { socket, session: null, identifyTimer: null, heartbeatTimer: null, windowStart: Date.now(), commands: 0, closing: false };
    this.conns.add(conn);
    socket.on('message', (data: Buffer, isBinary: boolean) => this.onMessage(conn, data, isBinary));
    socket.on('close', () => this.onClose(conn));
    socket.on('error', () => {});
    if (version !== null && version !== '10' && version !== '9') return this.close(conn, GatewayClose.InvalidApiVersion, 'Invalid API version');
    if (encoding !== null && encoding !== 'json') return this.close(conn, GatewayClose.DecodeError, 'Only encoding=json is emulated');
    this.send(conn, { op: 10, d: { heartbeat_interval: this.world.heartbeatIntervalMs }, s: null, t: null });
    conn.identifyTimer = setTimeout(() => this.close(conn, GatewayClose.SessionTimedOut, 'Session timed out (no Identify)'), this.world.identifyTimeoutMs);
    conn.identifyTimer.unref?.();
    this.armHeartbeatDeadline(conn);
  }

  /**
   * The voice part's answer to an op 4 (or a member's voice state change): VOICE_SERVER_UPDATE goes to the bot's
   * own sessions, VOICE_STATE_UPDATE also to every other bot in the guild that asked for voice states.
   */
  voiceDispatch(userId: string, t: 'VOICE_STATE_UPDATE' | 'VOICE_SERVER_UPDATE', d: Record<string, unknown>): void {
    const guildId = d.guild_id;
    if (typeof guildId !== 'string' || !this.world.guild(guildId)) return;
    let payload: Record<string, unknown> = d;
    if (t === 'VOICE_STATE_UPDATE') {
      payload = voiceStateObject(
        { userId, guildId, channelId: (d.channel_id as string | null) ?? null, sessionId: String(d.session_id), selfMute: d.self_mute === true, selfDeaf: d.self_deaf === true },
        this.world,
        true,
      );
    }
    for (const s of this.sessions.values()) {
      if (shardOf(guildId, s.shard[1]) !== s.shard[0]) continue;
      const own = s.bot.id === userId;
      if (!own && (t === 'VOICE_SERVER_UPDATE' || (s.intents & GUILD_VOICE_STATES) === 0)) continue;
      this.dispatch(s, t, payload);
    }
  }

  /** Sockets open now (identified or not). */
  get connections(): number {
    return this.conns.size;
  }

  /** Drops the gateway sockets (of one bot, or all) without a close frame, as a network failure would. */
  drop(botId?: string): void {
    for (const c of [...this.conns]) if (botId === undefined || c.session?.bot.id === botId) c.socket.terminate();
  }

  /** Closes a bot's sockets with `code` (4000: the client may resume; 4007/4009: it must identify again). */
  closeSessions(botId: string, code: number): void {
    for (const c of [...this.conns]) if (c.session?.bot.id === botId) c.socket.close(code);
  }

  close(conn: Conn, code: number, reason: string): void {
    if (conn.closing) return;
    conn.closing = true;
    if (code !== 1000) this.stats.closedForInput++;
    this.stop(conn);
    try {
      conn.socket.close(code, reason);
    } catch {
      conn.socket.terminate();
    }
  }

  shutdown(): void {
    for (const c of [...this.conns]) {
      this.stop(c);
      c.socket.terminate();
    }
    this.conns.clear();
    this.sessions.clear();
  }

  // ── internals ──

  private onMessage(conn: Conn, data: Buffer, isBinary: boolean): void {
    if (conn.closing || !this.conns.has(conn)) return;
    if (++conn.commands > this.world.commandsPerMinute) {
      const now = Date.now();
      if (now - conn.windowStart >= 60_000) {
        conn.windowStart = now;
        conn.commands = 1;
      } else return this.close(conn, GatewayClose.RateLimited, 'You are being rate limited.');
    }
    if (isBinary || data.length > MAX_MESSAGE) return this.close(conn, GatewayClose.DecodeError, 'Error while decoding payload.');
    let m: unknown;
    try {
      m = JSON.parse(data.toString('utf8'));
    } catch {
      return this.close(conn, GatewayClose.DecodeError, 'Error while decoding payload.');
    }
    if (typeof m !== 'object' || m === null || Array.isArray(m)) return this.close(conn, GatewayClose.DecodeError, 'Error while decoding payload.');
    const { op, d } = m as { op?: unknown; d?: unknown };
    switch (op) {
      case 1: // Heartbeat
        this.armHeartbeatDeadline(conn);
        return this.send(conn, { op: 11, d: null, s: null, t: null });
      case 2:
        return this.identify(conn, d);
      case 6:
        return this.resume(conn, d);
      case 4:
        return this.voiceState(conn, d);
      case 3: // Presence Update
      case 8: // Request Guild Members
      case 31: // Request Soundboard Sounds
        if (!conn.session) return this.close(conn, GatewayClose.NotAuthenticated, 'Not authenticated.');
        return; // accepted, not emulated
      default:
        return this.close(conn, GatewayClose.UnknownOpcode, 'Unknown opcode.');
    }
  }

  private identify(conn: Conn, d: unknown): void {
    if (conn.session) return this.close(conn, GatewayClose.AlreadyAuthenticated, 'Already authenticated.');
    if (typeof d !== 'object' || d === null) return this.close(conn, GatewayClose.DecodeError, 'Error while decoding payload.');
    const { token, intents, shard } = d as { token?: unknown; intents?: unknown; shard?: unknown };
    const bot = this.world.botForToken(token);
    if (!bot) return this.close(conn, GatewayClose.AuthenticationFailed, 'Authentication failed.');
    if (typeof intents !== 'number' || !Number.isInteger(intents) || intents < 0 || (intents & ~KNOWN_INTENTS) !== 0) return this.close(conn, GatewayClose.InvalidIntents, 'Invalid intent(s).');
    if ((intents & PRIVILEGED_INTENTS) !== 0 && !bot.privilegedIntents) return this.close(conn, GatewayClose.DisallowedIntents, 'Disallowed intent(s).');
    let pair: readonly [number, number] = [0, 1];
    if (shard !== undefined) {
      const ok = Array.isArray(shard) && shard.length === 2 && shard.every((n) => Number.isInteger(n)) && shard[1] >= 1 && shard[1] <= 1024 && shard[0] >= 0 && shard[0] < shard[1];
      if (!ok) return this.close(conn, GatewayClose.InvalidShard, 'Invalid shard.');
      pair = [shard[0] as number, shard[1] as number];
    }
    this.stats.identifies++;
    const session: Session = { id: randomBytes(16).toString('hex'), bot, shard: pair, intents, seq: 0, replay: [], conn, closedAt: null };
    this.attach(conn, session);
    const guilds = this.world.guildsOfShard(pair[0], pair[1]);
    this.dispatch(session, 'READY', {
      v: 10,
      user: { id: bot.id, username: bot.username, discriminator: '0', global_name: null, avatar: null, bot: true, verified: true, mfa_enabled: false, flags: 0 },
      guilds: guilds.map((g) => ({ id: g.id, unavailable: true })),
      session_id: session.id,
      resume_gateway_url: this.hooks.url,
      shard: [...pair],
      application: { id: bot.id, flags: 0 },
      private_channels: [],
      presences: [],
      relationships: [],
      user_settings: {},
      guild_join_requests: [],
      geo_ordered_rtc_regions: [],
    });
    for (const g of guilds) this.dispatch(session, 'GUILD_CREATE', guildCreate(g, this.world, this.hooks.voiceStatesIn(g.id)));
  }

  private resume(conn: Conn, d: unknown): void {
    if (conn.session) return this.close(conn, GatewayClose.AlreadyAuthenticated, 'Already authenticated.');
    if (typeof d !== 'object' || d === null) return this.close(conn, GatewayClose.DecodeError, 'Error while decoding payload.');
    const { token, session_id: sessionId, seq } = d as { token?: unknown; session_id?: unknown; seq?: unknown };
    const bot = this.world.botForToken(token);
    if (!bot) return this.close(conn, GatewayClose.AuthenticationFailed, 'Authentication failed.');
    this.sweep();
    const session = typeof sessionId === 'string' ? this.sessions.get(sessionId) : undefined;
    const from = typeof seq === 'number' && Number.isInteger(seq) ? seq : -1;
    const oldest = session?.replay[0]?.s ?? (session ? session.seq + 1 : 0);
    if (!session || session.bot !== bot || from < 0 || from > session.seq || from + 1 < oldest) {
      // Invalid Session, not resumable: the client identifies again on this socket
      this.stats.invalidSessions++;
      return this.send(conn, { op: 9, d: false, s: null, t: null });
    }
    if (session.conn && session.conn !== conn) {
      const old = session.conn;
      session.conn = null;
      old.session = null;
      this.close(old, 4000, 'Session resumed elsewhere');
    }
    this.stats.resumes++;
    this.attach(conn, session);
    for (const r of session.replay) if (r.s > from) this.sendText(conn, r.text);
    this.dispatch(session, 'RESUMED', null);
  }

  private voiceState(conn: Conn, d: unknown): void {
    const s = conn.session;
    if (!s) return this.close(conn, GatewayClose.NotAuthenticated, 'Not authenticated.');
    if (typeof d !== 'object' || d === null) return this.close(conn, GatewayClose.DecodeError, 'Error while decoding payload.');
    const v = d as { guild_id?: unknown; channel_id?: unknown; self_mute?: unknown; self_deaf?: unknown };
    if (typeof v.guild_id !== 'string' || (v.channel_id !== null && typeof v.channel_id !== 'string')) return this.close(conn, GatewayClose.DecodeError, 'Error while decoding payload.');
    const guild = this.world.guild(v.guild_id);
    // Discord ignores op 4 for a guild the shard does not own, or a channel that is not a voice channel of it
    if (!guild || shardOf(guild.id, s.shard[1]) !== s.shard[0]) return;
    if (v.channel_id !== null && !guild.channels.some((c) => c.id === v.channel_id && (c.type === 2 || c.type === 13))) return;
    this.hooks.voiceStateUpdate(s.bot.id, { guild_id: guild.id, channel_id: v.channel_id as string | null, self_mute: v.self_mute === true, self_deaf: v.self_deaf === true });
  }

  private attach(conn: Conn, session: Session): void {
    conn.session = session;
    session.conn = conn;
    session.closedAt = null;
    this.sessions.set(session.id, session);
    // a client that identifies over and over must not grow the table: the oldest detached sessions go first
    if (this.sessions.size > MAX_SESSIONS) {
      for (const [id, s] of this.sessions) {
        if (this.sessions.size <= MAX_SESSIONS) break;
        if (s.conn === null) this.sessions.delete(id);
      }
    }
    if (conn.identifyTimer) clearTimeout(conn.identifyTimer);
    conn.identifyTimer = null;
  }

  private dispatch(s: Session, t: string, d: unknown): void {
    const text = JSON.stringify({ op: 0, t, s: ++s.seq, d });
    s.replay.push({ s: s.seq, text });
    if (s.replay.length > REPLAY_BUFFER) s.replay.shift();
    if (s.conn) this.sendText(s.conn, text);
  }

  private send(conn: Conn, m: unknown): void {
    this.sendText(conn, JSON.stringify(m));
  }

  private sendText(conn: Conn, text: string): void {
    if (conn.socket.readyState === conn.socket.OPEN) conn.socket.send(text);
  }

  /** A client that stops heartbeating is a zombie: closed after two intervals without one. */
  private armHeartbeatDeadline(conn: Conn): void {
    if (conn.heartbeatTimer) clearTimeout(conn.heartbeatTimer);
    conn.heartbeatTimer = setTimeout(() => this.close(conn, GatewayClose.SessionTimedOut, 'Session timed out (no heartbeat)'), this.world.heartbeatIntervalMs * 2);
    conn.heartbeatTimer.unref?.();
  }

  private stop(conn: Conn): void {
    if (conn.identifyTimer) clearTimeout(conn.identifyTimer);
    if (conn.heartbeatTimer) clearTimeout(conn.heartbeatTimer);
    conn.identifyTimer = null;
    conn.heartbeatTimer = null;
  }

  private onClose(conn: Conn): void {
    this.stop(conn);
    this.conns.delete(conn);
    const s = conn.session;
    if (s && s.conn === conn) {
      s.conn = null;
      s.closedAt = Date.now();
    }
    this.sweep();
  }

  /** Forgets sessions that can no longer be resumed. */
  private sweep(): void {
    const now = Date.now();
    for (const [id, s] of this.sessions) if (s.conn === null && s.closedAt !== null && now - s.closedAt > RESUME_WINDOW_MS) this.sessions.delete(id);
  }
}
