/** What the emulator's core keeps per voice WebSocket and per voice session (internal to the core). */
import type { TransportCipher, TransportMode } from '@voicewire/voice-protocol';
import type { UdpAddress } from './types.js';

export interface Conn {
  readonly id: number;
  session: ServerSession | null;
  dropped: boolean;
  lastHeartbeatAt: number;
  readonly openedAt: number;
  /** Messages in the current rate-limit window, and when it started. */
  windowStart: number;
  messages: number;
  heartbeats: number;
}

export interface ServerSession {
  readonly sessionId: string;
  readonly userId: string;
  readonly guildId: string;
  channelId: string;
  token: string;
  ssrc: number;
  conn: Conn | null;
  detachedAt: number;
  seq: number;
  readonly replay: { seq: number; data: string | Uint8Array }[];
  cipher: TransportCipher | null;
  mode: TransportMode | null;
  udpSource: UdpAddress | null;
  udpDest: UdpAddress | null;
  /** The UDP server this session was given in Ready (0: the config's `udp`, i: `moreUdp[i - 1]`). */
  udpServer: number;
  nonce: number;
  speaking: number;
  packetsRelayedIn: number;
  /** DAVE negotiated for this session (protocol version 1). */
  dave: boolean;
}
