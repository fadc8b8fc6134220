/**
 * @voicewire/voice-server — a local Discord voice emulator.
 *
 * @module @voicewire/voice-server
 */
export * from './core/index.js';
export { startVoiceServer, VoiceServer, type EmulatedDiscord, type VoiceServerOptions } from './server.js';
export { DiscordWorld, DEFAULT_BOT_ID, DEFAULT_BOT_TOKEN, DEFAULT_GUILD_ID, shardOf, type BotFixture, type ChannelFixture, type ChannelKind, type DiscordWorldOptions, type GuildFixture, type UserFixture } from './discord/world.js';
export { DiscordGateway, GatewayClose, type GatewayStats } from './discord/gateway.js';
export { DiscordRest, type RestStats } from './discord/rest.js';
export { userIdForToken } from './main-gateway.js';
export { generateLocalCertificate, type CertificateOptions, type LocalCertificate } from './tls.js';
export { connectEmulatorGateway, type EmulatorGateway, type EmulatorGatewayOptions } from './gateway-client.js';
