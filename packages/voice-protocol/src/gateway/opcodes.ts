/** Voice gateway opcodes, v8 (docs/protocol.md §4.1). */
export const VoiceOpcode = {
  Identify: 0,
  SelectProtocol: 1,
  Ready: 2,
  Heartbeat: 3,
  SessionDescription: 4,
  Speaking: 5,
  HeartbeatAck: 6,
  Resume: 7,
  Hello: 8,
  Resumed: 9,
  ClientsConnect: 11,
  Video: 12,
  ClientDisconnect: 13,
  SessionUpdate: 14,
  MediaSinkWants: 15,
  VoiceBackendVersion: 16,
  ChannelOptionsUpdate: 17,
  ClientFlags: 18,
  SpeedTest: 19,
  ClientPlatform: 20,
  DavePrepareTransition: 21,
  DaveExecuteTransition: 22,
  DaveTransitionReady: 23,
  DavePrepareEpoch: 24,
  DaveMlsExternalSender: 25,
  DaveMlsKeyPackage: 26,
  DaveMlsProposals: 27,
  DaveMlsCommitWelcome: 28,
  DaveMlsAnnounceCommitTransition: 29,
  DaveMlsWelcome: 30,
  DaveMlsInvalidCommitWelcome: 31,
  NoRoute: 32,
} as const;

export type VoiceOpcode = (typeof VoiceOpcode)[keyof typeof VoiceOpcode];

/** Opcodes that travel as binary frames (docs/protocol.md §3.2). */
export const BINARY_OPCODES: ReadonlySet<number> = new Set([25, 26, 27, 28, 29, 30]);

export const VOICE_GATEWAY_VERSION = 8;

/**
 * The largest voice gateway message a client accepts (bytes). The largest real ones are DAVE's MLS welcome and
 * proposals, a few kilobytes per member: 1 MiB leaves room for any channel, and a server that sends more is
 * closed with 1009 instead of being parsed.
 */
export const MAX_VOICE_GATEWAY_MESSAGE_BYTES = 1 << 20;
