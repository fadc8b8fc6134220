/**
 * Discord's REST API (v10, JSON), the routes a discord.js bot calls to log in and to use voice: the gateway
 * information, the bot's own user and application, guilds, channels and members of the emulated world. Every
 * other route answers 404 in Discord's error shape; a missing or wrong token answers 401. Requests are untrusted:
 * bodies are bounded, nothing throws, and no token is echoed or logged.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { channelObject, guildCreate, memberObject, userObject, type VoiceStateFields } from './payloads.js';
import type { Bot, DiscordWorld } from './world.js';

/** Largest request body read (the emulated routes take none; a client that sends more is answered 413). */
const MAX_BODY = 64 * 1024;

export interface RestHooks {
  /** `ws://host:port`, what GET /gateway/bot returns as `url`. */
  readonly gatewayUrl: string;
  voiceStatesIn(guildId: string): VoiceStateFields[];
}

export interface RestStats {
  requests: number;
  unauthorized: number;
  notFound: number;
}

type Handler = (bot: Bot, params: string[]) => unknown;

export class DiscordRest {
  readonly stats: RestStats = { requests: 0, unauthorized: 0, notFound: 0 };
  private readonly routes: { method: string; pattern: RegExp; auth: boolean; handler: Handler }[];

  constructor(private readonly world: DiscordWorld, private readonly hooks: RestHooks) {
    const guildOf = (bot: Bot, id: string | undefined) => {
      const g = id === undefined ? undefined : this.world.guild(id);
      if (!g || !g.memberIds.includes(bot.id)) throw new RestError(404, 10004, 'Unknown Guild');
      return g;
    };
    this.routes = [
      { method: 'GET', pattern: /^\/gateway$/, auth: false, handler: () => ({ url: this.hooks.gatewayUrl }) },
      {
        method: 'GET',
        pattern: /^\/gateway\/bot$/,
        auth: true,
        handler: () => ({ url: this.hooks.gatewayUrl, shards: this.world.recommendedShards, session_start_limit: { total: 1000, remaining: 1000, reset_after: 86_400_000, max_concurrency: 1 } }),
      },
      { method: 'GET', pattern: /^\/users\/@me$/, auth: true, handler: (bot) => ({ ...userObject(bot), verified: true, mfa_enabled: false }) },
      { method: 'GET', pattern: /^\/users\/(\d+)$/, auth: true, handler: (_b, [id]) => userObject(this.world.byId(id as string) ?? notFound(10013, 'Unknown User')) },
      {
        method: 'GET',
        pattern: /^\/(?:applications|oauth2\/applications)\/@me$/,
        auth: true,
        handler: (bot) => ({ id: bot.id, name: bot.username, icon: null, description: '', bot_public: true, bot_require_code_grant: false, flags: 0, owner: userObject(bot), verify_key: '', team: null }),
      },
      { method: 'GET', pattern: /^\/users\/@me\/guilds$/, auth: true, handler: (bot) => this.world.guilds.filter((g) => g.memberIds.includes(bot.id)).map((g) => ({ id: g.id, name: g.name, icon: null, owner: g.ownerId === bot.id, permissions: '0', features: [] })) },
      {
        method: 'GET',
        pattern: /^\/guilds\/(\d+)$/,
        auth: true,
        handler: (bot, [id]) => {
          const { members: _m, channels: _c, voice_states: _v, threads: _t, presences: _p, ...guild } = guildCreate(guildOf(bot, id), this.world, []);
          return guild;
        },
      },
      { method: 'GET', pattern: /^\/guilds\/(\d+)\/channels$/, auth: true, handler: (bot, [id]) => guildOf(bot, id).channels.map((c, i) => channelObject(c, id as string, i)) },
      {
        method: 'GET',
        pattern: /^\/guilds\/(\d+)\/members\/(\d+)$/,
        auth: true,
        handler: (bot, [id, userId]) => {
          const g = guildOf(bot, id);
          const u = g.memberIds.includes(userId as string) ? this.world.byId(userId as string) : undefined;
          return memberObject(u ?? notFound(10007, 'Unknown Member'));
        },
      },
      { method: 'GET', pattern: /^\/guilds\/(\d+)\/members$/, auth: true, handler: (bot, [id]) => guildOf(bot, id).memberIds.flatMap((m) => { const u = this.world.byId(m); return u ? [memberObject(u)] : []; }) },
      {
        method: 'GET',
        pattern: /^\/guilds\/(\d+)\/voice-states\/(@me|\d+)$/,
        auth: true,
        handler: (bot, [id, userId]) => {
          const g = guildOf(bot, id);
          const uid = userId === '@me' ? bot.id : (userId as string);
          const v = this.hooks.voiceStatesIn(g.id).find((s) => s.userId === uid) ?? notFound(10065, 'Unknown Voice State');
          return { guild_id: g.id, channel_id: v.channelId, user_id: v.userId, session_id: v.sessionId, deaf: false, mute: false, self_deaf: v.selfDeaf, self_mute: v.selfMute, self_video: false, suppress: false, request_to_speak_timestamp: null };
        },
      },
      {
        method: 'GET',
        pattern: /^\/channels\/(\d+)$/,
        auth: true,
        handler: (bot, [id]) => {
          for (const g of this.world.guilds) {
            const i = g.channels.findIndex((c) => c.id === id);
            if (i >= 0 && g.memberIds.includes(bot.id)) return channelObject(g.channels[i] as (typeof g.channels)[number], g.id, i);
          }
          return notFound(10003, 'Unknown Channel');
        },
      },
    ];
  }

  /** Handles a request under the API prefix (`path` without `/api` and `/v10`). Never throws. */
  handle(req: IncomingMessage, res: ServerResponse, path: string): void {
    this.stats.requests++;
    let size = 0;
    let answered = false;
    const answer = (status: number, body: unknown): void => {
      if (answered) return;
      answered = true;
      const text = body === undefined ? '' : JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json', 'x-ratelimit-limit': '50', 'x-ratelimit-remaining': '49', 'x-ratelimit-reset-after': '1', 'x-ratelimit-bucket': 'emulator', via: '1.1 voicewire-emulator' });
      res.end(text);
    };
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        answer(413, { message: 'Request entity too large', code: 40005 });
        req.destroy();
      }
    });
    req.on('error', () => {});
    req.on('end', () => {
      try {
        const { status, body } = this.route(req.method ?? 'GET', path, req.headers.authorization);
        answer(status, body);
      } catch {
        answer(500, { message: '500: Internal Server Error', code: 0 });
      }
    });
  }

  private route(method: string, path: string, authorization: string | undefined): { status: number; body: unknown } {
    const known = this.routes.filter((r) => r.pattern.test(path));
    if (known.length === 0) {
      this.stats.notFound++;
      return { status: 404, body: { message: '404: Not Found', code: 0 } };
    }
    const r = known.find((k) => k.method === method);
    if (!r) return { status: 405, body: { message: '405: Method Not Allowed', code: 0 } };
    const bot = this.world.botForToken(authorization);
    if (r.auth && (!bot || !/^Bot\s/i.test(authorization ?? ''))) {
      this.stats.unauthorized++;
      return { status: 401, body: { message: '401: Unauthorized', code: 0 } };
    }
    const params = (r.pattern.exec(path) ?? []).slice(1);
    try {
      return { status: 200, body: r.handler(bot as Bot, params) };
    } catch (e) {
      if (e instanceof RestError) return { status: e.status, body: { message: e.message, code: e.code } };
      throw e;
    }
  }
}

class RestError extends Error {
  constructor(readonly status: number, readonly code: number, message: string) {
    super(message);
  }
}

function notFound(code: number, message: string): never {
  throw new RestError(404, code, message);
}
