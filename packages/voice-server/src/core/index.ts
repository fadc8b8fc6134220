export { VoiceServerCore } from './server-core.js';
export type { ServerOutput, UdpAddress, VoiceServerCoreConfig } from './types.js';
