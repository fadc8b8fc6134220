/**
 * What a VoiceSession asks its driver to do, and what it tells its user (docs/architecture.md, sans-IO rule 2).
 * Plain, structured-cloneable data. `poll()` always ends a drain with a `timer` output.
 */
import type { VoiceErrorCode } from '../errors.js';

/** Op 4 for the main gateway (docs/protocol.md §2.1). Field names are Discord's, ready to send. */
export interface GatewayVoiceStateUpdate {
  readonly op: 4;
  readonly d: { readonly guild_id: string; readonly channel_id: string | null; readonly self_mute: boolean; readonly self_deaf: boolean };
}

export type SessionOutput =
  | { readonly type: 'gateway-send'; readonly payload: GatewayVoiceStateUpdate }
  | { readonly type: 'ws-connect'; readonly id: number; readonly url: string }
  | { readonly type: 'ws-send'; readonly id: number; readonly data: string | Uint8Array }
  | { readonly type: 'ws-close'; readonly id: number; readonly code: number }
  | { readonly type: 'udp-connect'; readonly id: number; readonly host: string; readonly port: number }
  | { readonly type: 'udp-send'; readonly id: number; readonly data: Uint8Array }
  | { readonly type: 'udp-close'; readonly id: number }
  | { readonly type: 'event'; readonly event: SessionEvent }
  /** Last output of every drain: call `handleTimeout(at)` then, or never when `at` is null. */
  | { readonly type: 'timer'; readonly at: number | null };

/** Everything the outside world tells a session, as data: `session.handle(input, now)` takes any of them. */
export type SessionInput =
  | { readonly type: 'voice-state-update'; readonly d: import('./config.js').VoiceStateUpdateData }
  | { readonly type: 'voice-server-update'; readonly d: import('./config.js').VoiceServerUpdateData }
  | { readonly type: 'gateway-send-failure' }
  | { readonly type: 'ws-open'; readonly id: number }
  | { readonly type: 'ws-message'; readonly id: number; readonly data: string | Uint8Array }
  | { readonly type: 'ws-close'; readonly id: number; readonly code: number; readonly failure?: SocketFailure }
  | { readonly type: 'udp-packet'; readonly id: number; readonly bytes: Uint8Array }
  | { readonly type: 'udp-failure'; readonly id: number; readonly failure: SocketFailure & { readonly fatal: boolean } }
  | { readonly type: 'timeout' };

export type SessionStateCode =
  | 'idle'
  | 'signalling'
  | 'connecting'
  | 'identifying'
  | 'discovering'
  | 'selecting-protocol'
  | 'ready'
  | 'resuming'
  | 'backoff'
  | 'waiting-for-server'
  | 'disconnected'
  | 'destroyed';

export interface SessionStats {
  readonly wsRttMs: number | null;
  /** UDP round trip: from keepalive echoes, measured all along, where the server answers them; else IP discovery's. */
  readonly udpRttMs: number | null;
  readonly udpRttSource: 'keepalive' | 'discovery' | null;
  readonly packetsSent: number;
  readonly framesDropped: number;
  readonly packetsReceived: number;
  readonly framesDelivered: number;
  readonly packetsLost: number;
  readonly packetsLate: number;
  readonly decryptFailures: number;
  readonly unknownSsrcDrops: number;
  readonly malformedDrops: number;
  readonly rtcpReceived: number;
  readonly otherDatagrams: number;
  readonly malformedMessages: number;
  readonly unknownOpcodes: number;
  readonly heartbeatsMissed: number;
  /** Packets that opened with a nonce already seen for their SSRC (or far behind it): replays, dropped. */
  readonly replayDrops: number;
  /** UDP sends or socket errors reported by the transport. */
  readonly udpErrors: number;
  /** Warnings not emitted because the same code was reported too often (see WarningLimiter). */
  readonly warningsSuppressed: number;
  readonly resumes: number;
  readonly reconnects: number;
  /** DAVE protocol version in use (0 = none). */
  readonly daveProtocolVersion: number;
  readonly daveEncryptFailures: number;
  readonly daveDecryptFailures: number;
  /** Frames accepted without end-to-end encryption (transitions, transport-only calls). */
  readonly davePassthroughFrames: number;
  readonly daveInvalidCommits: number;
  readonly daveTransitions: number;
  /** Moves of the session outside SESSION_TRANSITIONS: a bug of voicewire if ever above 0 (each one is also a warning). */
  readonly illegalTransitions: number;
}

/**
 * What a transport knows about why a voice WebSocket closed or a UDP socket failed, beyond the close code (an
 * input: `handleWsClose(id, code, now, failure)`, `handleUdpFailure(id, failure, now)`). Local knowledge, never
 * sent by the server.
 *   tls        the certificate was rejected (self-signed, wrong host, expired): retrying cannot help
 *   too-large  the server sent a message over the transport's size limit
 *   network    anything else (refused, reset, DNS, unreachable)
 */
export interface SocketFailure {
  readonly kind: 'tls' | 'too-large' | 'network';
  readonly message: string;
}

export interface TerminalError {
  readonly code: VoiceErrorCode;
  readonly message: string;
  /** The voice gateway close code that ended the session, when one did. */
  readonly closeCode?: number;
}

/**
 * One received Opus frame of a user, after transport and DAVE decryption: the one shape of received audio across
 * the packages (the session's `audio` event, the connection's `audio` event and receiver, listening, recording).
 */
export interface ReceivedOpusFrame {
  readonly userId: string;
  readonly ssrc: number;
  readonly sequence: number;
  /** RTP timestamp (48 kHz): consecutive frames differ by 960; a larger step means lost frames. */
  readonly timestamp: number;
  readonly opus: Uint8Array;
}

export type SessionEvent =
  | { readonly type: 'state'; readonly from: SessionStateCode; readonly to: SessionStateCode }
  | { readonly type: 'ready'; readonly ssrc: number; readonly mode: string; readonly daveProtocolVersion: number }
  | { readonly type: 'resumed' }
  | { readonly type: 'reconnecting'; readonly attempt: number; readonly delayMs: number; readonly reason: string; readonly resume: boolean }
  | { readonly type: 'moved'; readonly channelId: string }
  | { readonly type: 'client-connect'; readonly userIds: readonly string[] }
  | { readonly type: 'client-disconnect'; readonly userId: string }
  | { readonly type: 'speaking'; readonly userId: string; readonly ssrc: number; readonly flags: number }
  | { readonly type: 'user-speaking'; readonly userId: string; readonly ssrc: number; readonly speaking: boolean }
  | ({ readonly type: 'audio' } & ReceivedOpusFrame)
  | { readonly type: 'audio-gap'; readonly userId: string; readonly ssrc: number; readonly fromSequence: number; readonly count: number }
  | { readonly type: 'warning'; readonly code: string; readonly message: string }
  | { readonly type: 'stats'; readonly stats: SessionStats }
  /** A DAVE transition executed: the call now runs with `protocolVersion` (0 = transport encryption only). */
  | { readonly type: 'dave-transition'; readonly protocolVersion: number; readonly privacyCode: string }
  | { readonly type: 'disconnected'; readonly error: TerminalError | null };
