/**
 * The emulated Discord's fixtures: bots (by token), users, guilds with their channels and members. They come from
 * options (or the CLI's JSON file); what is left out has a default, so `discord: {}` is a working world with one
 * bot in one guild with a voice, a stage and a text channel.
 */

/** Discord channel types the emulator serves (text 0, voice 2, category 4, stage 13). */
export type ChannelKind = 'text' | 'voice' | 'stage' | 'category';

export interface ChannelFixture {
  readonly id: string;
  readonly name?: string;
  readonly kind?: ChannelKind;
  /** Members a voice channel takes (0: no limit). */
  readonly userLimit?: number;
}

export interface GuildFixture {
  readonly id: string;
  readonly name?: string;
  /** Default: a voice, a stage and a text channel. */
  readonly channels?: readonly ChannelFixture[];
  /** User ids of the members besides the bots (every bot of the world is a member of every guild). */
  readonly members?: readonly string[];
}

export interface UserFixture {
  readonly id: string;
  readonly username?: string;
}

export interface BotFixture {
  /** The bot token, as `client.login(token)` takes it (without the `Bot ` prefix). */
  readonly token: string;
  readonly id: string;
  readonly username?: string;
  /** Whether the privileged intents (members, presences, message content) are enabled for it. Default true. */
  readonly privilegedIntents?: boolean;
}

export interface DiscordWorldOptions {
  readonly bots?: readonly BotFixture[];
  readonly users?: readonly UserFixture[];
  readonly guilds?: readonly GuildFixture[];
  /** What `GET /gateway/bot` recommends as the shard count (default 1). */
  readonly recommendedShards?: number;
  /** A socket that has not identified within this time is closed with 4003 (default 10 s). */
  readonly identifyTimeoutMs?: number;
  /** Gateway heartbeat interval sent in Hello (default 41 250 ms, Discord's). */
  readonly heartbeatIntervalMs?: number;
  /** Commands a gateway socket may send per minute before it is closed with 4008 (default 120, Discord's). */
  readonly commandsPerMinute?: number;
}

/** The default bot, when none is given: `client.login(DEFAULT_BOT_TOKEN)`. */
export const DEFAULT_BOT_TOKEN = 'voicewire-emulator-bot-token';
export const DEFAULT_BOT_ID = '1100000000000000001';
export const DEFAULT_GUILD_ID = '1100000000000000100';

export interface Channel {
  readonly id: string;
  readonly name: string;
  readonly type: 0 | 2 | 4 | 13;
  readonly userLimit: number;
}

export interface Guild {
  readonly id: string;
  readonly name: string;
  readonly ownerId: string;
  readonly channels: readonly Channel[];
  readonly memberIds: readonly string[];
}

export interface User {
  readonly id: string;
  readonly username: string;
  readonly bot: boolean;
}

/** A bot of the world. Its token is not here: only `botForToken` knows tokens, so no payload or log can carry one. */
export interface Bot extends User {
  readonly privilegedIntents: boolean;
}

const TYPE: Record<ChannelKind, Channel['type']> = { text: 0, voice: 2, category: 4, stage: 13 };
const SNOWFLAKE = /^\d{15,20}$/;

/** The world as the REST API and the gateway serve it. Built once from options; validated so a typo fails at start. */
export class DiscordWorld {
  readonly bots: readonly Bot[];
  readonly guilds: readonly Guild[];
  private readonly users = new Map<string, User>();
  private readonly byToken = new Map<string, Bot>();
  readonly recommendedShards: number;
  readonly identifyTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly commandsPerMinute: number;

  constructor(o: DiscordWorldOptions = {}) {
    const bots = o.bots ?? [{ token: DEFAULT_BOT_TOKEN, id: DEFAULT_BOT_ID }];
    this.bots = bots.map((b) => {
      if (typeof b.token !== 'string' || b.token.length < 8 || /\s/.test(b.token)) throw new TypeError('discord.bots[].token must be a string of at least 8 characters without spaces');
      // discord.js strips a leading "Bot" or "Bearer" (with or without a space) from the token it is given
      if (/^(bot|bearer)/i.test(b.token)) throw new TypeError('discord.bots[].token must not start with "Bot" or "Bearer": discord.js strips that prefix from tokens');
      const bot: Bot = { id: snowflake(b.id, 'discord.bots[].id'), username: b.username ?? `bot-${b.id.slice(-4)}`, bot: true, privilegedIntents: b.privilegedIntents ?? true };
      if (this.byToken.has(b.token)) throw new TypeError('discord.bots: two bots have the same token');
      this.byToken.set(b.token, bot);
      this.users.set(bot.id, bot);
      return bot;
    });
    for (const u of o.users ?? []) {
      const id = snowflake(u.id, 'discord.users[].id');
      if (!this.users.has(id)) this.users.set(id, { id, username: u.username ?? `user-${id.slice(-4)}`, bot: false });
    }
    const guilds = o.guilds ?? [{ id: DEFAULT_GUILD_ID }];
    this.guilds = guilds.map((g, i) => {
      const id = snowflake(g.id, 'discord.guilds[].id');
      const base = BigInt(id);
      const channels = (g.channels ?? [
        { id: String(base + 1n), name: 'General', kind: 'voice' as const },
        { id: String(base + 2n), name: 'Stage', kind: 'stage' as const },
        { id: String(base + 3n), name: 'general', kind: 'text' as const },
      ]).map((c) => ({ id: snowflake(c.id, 'discord.guilds[].channels[].id'), name: c.name ?? `channel-${c.id.slice(-4)}`, type: TYPE[c.kind ?? 'voice'], userLimit: c.userLimit ?? 0 }));
      const members = (g.members ?? []).map((m) => snowflake(m, 'discord.guilds[].members[]'));
      for (const m of members) if (!this.users.has(m)) this.users.set(m, { id: m, username: `user-${m.slice(-4)}`, bot: false });
      const memberIds = [...new Set([...this.bots.map((b) => b.id), ...members])];
      return { id, name: g.name ?? `Guild ${i + 1}`, ownerId: memberIds.find((m) => !this.byId(m)?.bot) ?? (this.bots[0]?.id as string), channels, memberIds };
    });
    this.recommendedShards = positive(o.recommendedShards ?? 1, 'discord.recommendedShards');
    this.identifyTimeoutMs = positive(o.identifyTimeoutMs ?? 10_000, 'discord.identifyTimeoutMs');
    this.heartbeatIntervalMs = positive(o.heartbeatIntervalMs ?? 41_250, 'discord.heartbeatIntervalMs');
    this.commandsPerMinute = positive(o.commandsPerMinute ?? 120, 'discord.commandsPerMinute');
  }

  /** A summary without tokens (`util.inspect`, `JSON.stringify`). */
  toJSON(): { bots: string[]; guilds: string[]; users: number } {
    return { bots: this.bots.map((b) => b.id), guilds: this.guilds.map((g) => g.id), users: this.users.size };
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `DiscordWorld ${JSON.stringify(this.toJSON())}`;
  }

  /** The bot a token belongs to (`Bot ` prefix allowed), or undefined. */
  botForToken(token: unknown): Bot | undefined {
    if (typeof token !== 'string') return undefined;
    return this.byToken.get(token.replace(/^Bot\s+/i, ''));
  }

  byId(id: string): User | undefined {
    return this.users.get(id);
  }

  guild(id: string): Guild | undefined {
    return this.guilds.find((g) => g.id === id);
  }

  /** The guilds a shard sees: `(guild_id >> 22) % num_shards === shard_id`. */
  guildsOfShard(shardId: number, shardCount: number): Guild[] {
    return this.guilds.filter((g) => shardOf(g.id, shardCount) === shardId);
  }
}

/** The shard that owns a guild (Discord's formula). */
export function shardOf(guildId: string, shardCount: number): number {
  return Number((BigInt(guildId) >> 22n) % BigInt(shardCount));
}

function snowflake(v: unknown, what: string): string {
  if (typeof v !== 'string' || !SNOWFLAKE.test(v)) throw new TypeError(`${what} must be a snowflake (a string of 15–20 digits), got ${JSON.stringify(v)}`);
  return v;
}

function positive(v: number, what: string): number {
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`${what} must be a positive integer, got ${v}`);
  return v;
}
