/**
 * The sans-IO voice server core of the emulator: no sockets, driven by inputs with `now`, drained with `poll()`.
 *
 * @module @voicewire/voice-server/core
 */
export { VoiceServerCore } from './server-core.js';
export type { ServerOutput, UdpAddress, VoiceServerCoreConfig } from './types.js';
export { encodeExternalSender, externalSenderKey, signExternalProposal, snowflakeBytes, type ExternalSenderKey } from './mls.js';
