/**
 * @voicewire/voice-server — a local Discord voice emulator.
 *
 * @module @voicewire/voice-server
 */
export * from './core/index.js';
export { startVoiceServer, VoiceServer, type VoiceServerOptions } from './server.js';
export { userIdForToken } from './main-gateway.js';
export { generateLocalCertificate, type CertificateOptions, type LocalCertificate } from './tls.js';
export { connectEmulatorGateway, type EmulatorGateway, type EmulatorGatewayOptions } from './gateway-client.js';
