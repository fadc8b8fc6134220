/**
 * Typed voice gateway JSON messages, v8 (docs/protocol.md §4.2). Field names are the protocol's,
 * in camelCase; the codec maps them to and from the wire's snake_case.
 */
import type { VoiceOpcode } from './opcodes.js';

type Msg<Op extends number, D> = { readonly op: Op; readonly d: D; readonly seq?: number };

export interface IdentifyPayload {
  readonly serverId: string;
  readonly userId: string;
  readonly sessionId: string;
  readonly token: string;
  /** Highest DAVE protocol version the client implements (0 or absent = none). */
  readonly maxDaveProtocolVersion?: number;
}
export interface SelectProtocolPayload {
  readonly protocol: string;
  readonly address: string;
  readonly port: number;
  readonly mode: string;
}
export interface ReadyPayload {
  readonly ssrc: number;
  readonly ip: string;
  readonly port: number;
  readonly modes: readonly string[];
}
export interface HeartbeatPayload {
  readonly t: number;
  /** Last server `seq` seen; -1 or absent when none yet. */
  readonly seqAck?: number;
}
export interface SessionDescriptionPayload {
  readonly mode: string;
  readonly secretKey: Uint8Array;
  readonly daveProtocolVersion: number;
}
export interface SpeakingPayload {
  readonly speaking: number;
  readonly ssrc: number;
  /** Client → server only. */
  readonly delay?: number;
  /** Server → client only: whose SSRC this is. */
  readonly userId?: string;
}
export interface HeartbeatAckPayload {
  readonly t: number;
}
export interface ResumePayload {
  readonly serverId: string;
  readonly sessionId: string;
  readonly token: string;
  readonly seqAck?: number;
}
export interface HelloPayload {
  readonly heartbeatInterval: number;
  readonly v?: number;
}
export interface ClientsConnectPayload {
  readonly userIds: readonly string[];
}
export interface ClientDisconnectPayload {
  readonly userId: string;
}
export interface VoiceBackendVersionPayload {
  readonly voice?: string;
  readonly rtcWorker?: string;
}
export interface ClientFlagsPayload {
  readonly userId: string;
  readonly flags: number;
}
export interface ClientPlatformPayload {
  readonly userId: string;
  readonly platform: number;
}
export interface DavePrepareTransitionPayload {
  readonly protocolVersion: number;
  readonly transitionId: number;
}
export interface DaveTransitionIdPayload {
  readonly transitionId: number;
}
export interface DavePrepareEpochPayload {
  readonly protocolVersion: number;
  readonly epoch: number;
}
/** Payload of the community-documented ops whose shape is not fixed (12, 14, 15, 17, 19): kept as given. */
export type OpaquePayload = Readonly<Record<string, unknown>>;

export type IdentifyMessage = Msg<typeof VoiceOpcode.Identify, IdentifyPayload>;
export type SelectProtocolMessage = Msg<typeof VoiceOpcode.SelectProtocol, SelectProtocolPayload>;
export type ReadyMessage = Msg<typeof VoiceOpcode.Ready, ReadyPayload>;
export type HeartbeatMessage = Msg<typeof VoiceOpcode.Heartbeat, HeartbeatPayload>;
export type SessionDescriptionMessage = Msg<typeof VoiceOpcode.SessionDescription, SessionDescriptionPayload>;
export type SpeakingMessage = Msg<typeof VoiceOpcode.Speaking, SpeakingPayload>;
export type HeartbeatAckMessage = Msg<typeof VoiceOpcode.HeartbeatAck, HeartbeatAckPayload>;
export type ResumeMessage = Msg<typeof VoiceOpcode.Resume, ResumePayload>;
export type HelloMessage = Msg<typeof VoiceOpcode.Hello, HelloPayload>;
export type ResumedMessage = Msg<typeof VoiceOpcode.Resumed, null>;
export type ClientsConnectMessage = Msg<typeof VoiceOpcode.ClientsConnect, ClientsConnectPayload>;
export type VideoMessage = Msg<typeof VoiceOpcode.Video, OpaquePayload>;
export type ClientDisconnectMessage = Msg<typeof VoiceOpcode.ClientDisconnect, ClientDisconnectPayload>;
export type SessionUpdateMessage = Msg<typeof VoiceOpcode.SessionUpdate, OpaquePayload>;
export type MediaSinkWantsMessage = Msg<typeof VoiceOpcode.MediaSinkWants, OpaquePayload>;
export type VoiceBackendVersionMessage = Msg<typeof VoiceOpcode.VoiceBackendVersion, VoiceBackendVersionPayload>;
export type ChannelOptionsUpdateMessage = Msg<typeof VoiceOpcode.ChannelOptionsUpdate, OpaquePayload>;
export type ClientFlagsMessage = Msg<typeof VoiceOpcode.ClientFlags, ClientFlagsPayload>;
export type SpeedTestMessage = Msg<typeof VoiceOpcode.SpeedTest, OpaquePayload>;
export type ClientPlatformMessage = Msg<typeof VoiceOpcode.ClientPlatform, ClientPlatformPayload>;
export type DavePrepareTransitionMessage = Msg<typeof VoiceOpcode.DavePrepareTransition, DavePrepareTransitionPayload>;
export type DaveExecuteTransitionMessage = Msg<typeof VoiceOpcode.DaveExecuteTransition, DaveTransitionIdPayload>;
export type DaveTransitionReadyMessage = Msg<typeof VoiceOpcode.DaveTransitionReady, DaveTransitionIdPayload>;
export type DavePrepareEpochMessage = Msg<typeof VoiceOpcode.DavePrepareEpoch, DavePrepareEpochPayload>;
export type DaveMlsInvalidCommitWelcomeMessage = Msg<typeof VoiceOpcode.DaveMlsInvalidCommitWelcome, DaveTransitionIdPayload>;
export type NoRouteMessage = Msg<typeof VoiceOpcode.NoRoute, OpaquePayload>;

/** A JSON message with an opcode this codec does not know (or a binary-only opcode sent as JSON). Never an error. */
export interface UnknownGatewayMessage {
  readonly op: 'unknown';
  readonly opcode: number;
  readonly d: unknown;
  readonly seq?: number;
}

export type VoiceGatewayMessage =
  | IdentifyMessage
  | SelectProtocolMessage
  | ReadyMessage
  | HeartbeatMessage
  | SessionDescriptionMessage
  | SpeakingMessage
  | HeartbeatAckMessage
  | ResumeMessage
  | HelloMessage
  | ResumedMessage
  | ClientsConnectMessage
  | VideoMessage
  | ClientDisconnectMessage
  | SessionUpdateMessage
  | MediaSinkWantsMessage
  | VoiceBackendVersionMessage
  | ChannelOptionsUpdateMessage
  | ClientFlagsMessage
  | SpeedTestMessage
  | ClientPlatformMessage
  | DavePrepareTransitionMessage
  | DaveExecuteTransitionMessage
  | DaveTransitionReadyMessage
  | DavePrepareEpochMessage
  | DaveMlsInvalidCommitWelcomeMessage
  | NoRouteMessage
  | UnknownGatewayMessage;

export type KnownGatewayMessage = Exclude<VoiceGatewayMessage, UnknownGatewayMessage>;
