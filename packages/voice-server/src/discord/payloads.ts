/**
 * Discord API objects (v10, JSON) as the emulator sends them: users, members, channels, guilds, voice states. Field
 * names and types follow Discord's documented objects, with the values a fresh guild has; what the emulator does
 * not model is present with its neutral value (null, [], 0) so that clients that read it find the type they expect.
 */
import type { Channel, DiscordWorld, Guild, User } from './world.js';

/** Every permission bit up to 2^50: the emulated guilds give @everyone all of them (CONNECT and SPEAK included). */
const ALL_PERMISSIONS = String((1n << 50n) - 1n);
const EPOCH = '2024-01-01T00:00:00.000000+00:00';

export function userObject(u: User): Record<string, unknown> {
  return { id: u.id, username: u.username, discriminator: '0', global_name: null, avatar: null, bot: u.bot, system: false, public_flags: 0, flags: 0 };
}

export function memberObject(u: User): Record<string, unknown> {
  return { user: userObject(u), nick: null, avatar: null, roles: [], joined_at: EPOCH, premium_since: null, deaf: false, mute: false, pending: false, flags: 0, communication_disabled_until: null };
}

export function channelObject(c: Channel, guildId: string, position: number): Record<string, unknown> {
  const base = { id: c.id, type: c.type, guild_id: guildId, name: c.name, position, permission_overwrites: [], parent_id: null, nsfw: false, flags: 0 };
  if (c.type === 2 || c.type === 13) return { ...base, bitrate: 64_000, user_limit: c.userLimit, rtc_region: null, video_quality_mode: 1, last_message_id: null, rate_limit_per_user: 0 };
  if (c.type === 0) return { ...base, topic: null, last_message_id: null, rate_limit_per_user: 0 };
  return base;
}

export interface VoiceStateFields {
  readonly userId: string;
  readonly guildId: string;
  readonly channelId: string | null;
  readonly sessionId: string;
  readonly selfMute: boolean;
  readonly selfDeaf: boolean;
}

/** A voice state as GUILD_CREATE's `voice_states` (no guild id, no member) or a VOICE_STATE_UPDATE (both) carries it. */
export function voiceStateObject(v: VoiceStateFields, world: DiscordWorld, withGuild: boolean): Record<string, unknown> {
  const user = world.byId(v.userId) ?? { id: v.userId, username: `user-${v.userId.slice(-4)}`, bot: false };
  return {
    ...(withGuild ? { guild_id: v.guildId, member: memberObject(user) } : {}),
    channel_id: v.channelId,
    user_id: v.userId,
    session_id: v.sessionId,
    deaf: false,
    mute: false,
    self_deaf: v.selfDeaf,
    self_mute: v.selfMute,
    self_video: false,
    suppress: false,
    request_to_speak_timestamp: null,
  };
}

export function guildCreate(g: Guild, world: DiscordWorld, voiceStates: readonly VoiceStateFields[]): Record<string, unknown> {
  const members = g.memberIds.map((id) => world.byId(id)).filter((u): u is User => u !== undefined);
  return {
    id: g.id,
    name: g.name,
    icon: null,
    splash: null,
    discovery_splash: null,
    banner: null,
    description: null,
    owner_id: g.ownerId,
    afk_channel_id: null,
    afk_timeout: 300,
    verification_level: 0,
    default_message_notifications: 0,
    explicit_content_filter: 0,
    mfa_level: 0,
    nsfw_level: 0,
    premium_tier: 0,
    premium_subscription_count: 0,
    premium_progress_bar_enabled: false,
    preferred_locale: 'en-US',
    system_channel_id: null,
    system_channel_flags: 0,
    rules_channel_id: null,
    public_updates_channel_id: null,
    safety_alerts_channel_id: null,
    vanity_url_code: null,
    application_id: null,
    max_members: 500_000,
    max_video_channel_users: 25,
    features: [],
    roles: [{ id: g.id, name: '@everyone', color: 0, hoist: false, icon: null, unicode_emoji: null, position: 0, permissions: ALL_PERMISSIONS, managed: false, mentionable: false, flags: 0 }],
    emojis: [],
    stickers: [],
    joined_at: EPOCH,
    large: false,
    unavailable: false,
    member_count: members.length,
    members: members.map(memberObject),
    channels: g.channels.map((c, i) => channelObject(c, g.id, i)),
    threads: [],
    presences: [],
    voice_states: voiceStates.map((v) => voiceStateObject(v, world, false)),
    stage_instances: [],
    guild_scheduled_events: [],
    soundboard_sounds: [],
  };
}
