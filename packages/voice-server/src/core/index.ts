export { VoiceServerCore } from './server-core.js';
export type { ServerOutput, UdpAddress, VoiceServerCoreConfig } from './types.js';
export { encodeExternalSender, externalSenderKey, signExternalProposal, snowflakeBytes, type ExternalSenderKey } from './mls.js';
