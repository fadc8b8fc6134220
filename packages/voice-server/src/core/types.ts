/** Inputs and outputs of the sans-IO voice server core. Plain data, like the client session's. */
import type { TransportMode } from '@voicewire/voice-protocol';

export interface UdpAddress {
  readonly address: string;
  readonly port: number;
}

export type ServerOutput =
  /** A main-gateway dispatch for one user (VOICE_STATE_UPDATE / VOICE_SERVER_UPDATE). */
  | { readonly type: 'gateway-dispatch'; readonly userId: string; readonly t: 'VOICE_STATE_UPDATE' | 'VOICE_SERVER_UPDATE'; readonly d: Record<string, unknown> }
  | { readonly type: 'ws-send'; readonly connId: number; readonly data: string | Uint8Array }
  | { readonly type: 'ws-close'; readonly connId: number; readonly code: number }
  /** Fault injection: the socket goes silent both ways without a close frame. */
  | { readonly type: 'ws-drop'; readonly connId: number }
  /** `via`: which of the server's UDP sockets sends it (0: `udp`, i: `moreUdp[i - 1]`); absent means 0. */
  | { readonly type: 'udp-send'; readonly to: UdpAddress; readonly data: Uint8Array; readonly via?: number }
  /** Opt-in observation of what the relay saw after transport decryption (for tests). */
  | { readonly type: 'relay'; readonly fromUserId: string; readonly ssrc: number; readonly payload: Uint8Array }
  | { readonly type: 'timer'; readonly at: number | null };

export interface VoiceServerCoreConfig {
  readonly random: () => number;
  readonly crypto: import('@voicewire/voice-protocol').CryptoProvider;
  /** `host:port` handed out in VOICE_SERVER_UPDATE. */
  readonly endpoint: string;
  /** Where clients send UDP (Ready.ip / Ready.port). */
  readonly udp: UdpAddress;
  /**
   * More UDP voice servers (ports) besides `udp`: sessions are given `udp` and these in turn, each in its Ready,
   * so that one client socket can talk to several of them (a shared socket pool); a datagram counts only on the
   * server its session was given.
   */
  readonly moreUdp?: readonly UdpAddress[];
  readonly heartbeatIntervalMs?: number;
  /** Modes offered in Ready; defaults to the crypto provider's. */
  readonly modes?: readonly TransportMode[];
  /** Numbered messages kept per session for buffered resume. */
  readonly replayLimit?: number;
  /** A session without a socket is forgotten after this long (then resume fails with 4006). */
  readonly resumeWindowMs?: number;
  /** A socket without heartbeats for this long is closed with 4009. Default 2.5 × the heartbeat interval. */
  readonly sessionTimeoutMs?: number;
  /** Emit `relay` outputs with each relayed payload. */
  readonly observeMedia?: boolean;
  /** DAVE on by default for voice channels, as on Discord since 2026-03-01 (turn off per channel for Stage). */
  readonly daveByDefault?: boolean;
  /** A DAVE transition executes after this long even if some member never acknowledged it. */
  readonly daveTransitionTimeoutMs?: number;
  /** A voice socket that has not identified after this long is closed with 4003. Default 10 s. */
  readonly identifyTimeoutMs?: number;
  /** Per socket: at most `messages` non-heartbeat messages per `windowMs`, else close 4021. Default 120 per 60 s. */
  readonly rateLimit?: { readonly windowMs: number; readonly messages: number };
  /** Echo 8-byte UDP keepalives back to their sender (default true). */
  readonly echoKeepalives?: boolean;
}
