/**
 * @voicewire/voice — the runtime-neutral driver and user API.
 *
 * @module @voicewire/voice
 */
export * from './transport.js';
export * from './adapter.js';
export * from './emitter.js';
export { VoiceDriver, type DriverHooks } from './driver.js';
export { FramePacer } from '@voicewire/voice-protocol';
export { AudioReceiver, type AudioSubscription, type ReceivedFrame, type SubscribeOptions, type SubscriptionEnd, type SubscriptionEndReason } from './receiver.js';
export { getVoiceConnection, getVoiceConnections, joinVoiceChannel, VoiceConnection, type JoinVoiceChannelOptions, type VoiceConnectionEvents } from './connection.js';
export { VoiceError, type VoiceErrorCode } from '@voicewire/voice-protocol';
export { trustCertificate, untrustCertificate, trustedCertificates } from './trust.js';
