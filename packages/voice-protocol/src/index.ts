/**
 * @voicewire/voice-protocol — the pure, I/O-free core of voicewire.
 * No dependencies, no Node APIs, no clock, no randomness: everything here runs in any JavaScript runtime.
 *
 * @module @voicewire/voice-protocol
 */
export * from './result.js';
export * from './errors.js';
export { readU16, readU32, writeU16, writeU32, equalBytes, toHex, fromHex, concatBytes } from './bytes.js';
export * from './gateway/opcodes.js';
export type * from './gateway/messages.js';
export { decodeGatewayMessage, decodeGatewayObject, encodeGatewayMessage, gatewayMessageToWire, JSON_OPCODES } from './gateway/codec.js';
export * from './dave/varint.js';
export * from './dave/binary.js';
export * from './rtp/header.js';
export * from './rtp/rtcp.js';
export * from './udp/classify.js';
export * from './udp/ip-discovery.js';
export * from './udp/keepalive.js';
export * from './udp/address.js';
export { Secret, clip } from './secret.js';
export * from './speaking.js';
export * from './close-codes.js';
export * from './crypto/provider.js';
export * from './crypto/packet.js';
export * from './session/outputs.js';
export * from './session/config.js';
export { VoiceSession } from './session/voice-session.js';
export { SESSION_TRANSITIONS } from './session/session-lifecycle.js';
export { ReorderBuffer, type ReorderOutput } from './session/reorder-buffer.js';
export { Heartbeat } from './session/heartbeat.js';
export { Backoff } from './session/backoff.js';
export { IpDiscovery } from './session/discovery.js';
export { MediaSender, MAX_OPUS_FRAME } from './session/media-sender.js';
export { Receiver } from './session/receiver.js';
export { FramePacer } from './session/frame-pacer.js';
export { ReplayWindow, REPLAY_WINDOW } from './session/replay-window.js';
export { WarningLimiter } from './session/warnings.js';
export * from './crypto/e2ee.js';
