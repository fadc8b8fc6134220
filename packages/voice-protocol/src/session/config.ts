/** VoiceSession configuration and its defaults (docs/protocol.md §2.1 join timeout, §5, §6, §8). */
import type { E2eeProvider } from '../crypto/e2ee.js';
import type { CryptoProvider } from '../crypto/provider.js';

export interface VoiceSessionConfig {
  readonly guildId: string;
  readonly channelId: string;
  /**
   * The bot's own user id: VOICE_STATE_UPDATEs for other users are ignored. When omitted (discord.js adapters
   * forward only the bot's own updates), the id of the first VOICE_STATE_UPDATE is taken.
   */
  readonly userId?: string;
  readonly selfMute?: boolean;
  readonly selfDeaf?: boolean;
  readonly crypto: CryptoProvider;
  /**
   * DAVE end-to-end encryption (e.g. @voicewire/crypto-dave). Required by Discord for voice channels since
   * 2026-03-01: without it Identify offers no DAVE and the server closes with 4017.
   */
  readonly e2ee?: E2eeProvider;
  /** Uniform in [0, 1): RTP initial sequence/timestamp and backoff jitter. Tests seed it. */
  readonly random: () => number;
  /** `wss` for Discord; `ws` for a local emulator served without TLS. */
  readonly wsScheme?: 'wss' | 'ws';
  /** Discord answers nothing when a channel is full: give up after this long. */
  readonly joinTimeoutMs?: number;
  /** From opening the voice WebSocket to Session Description (or to Resumed). */
  readonly connectTimeoutMs?: number;
  readonly ipDiscoveryRetryMs?: number;
  readonly ipDiscoveryAttempts?: number;
  /** Heartbeats in a row without an ACK before the socket is declared lost and resumed. */
  readonly heartbeatMissLimit?: number;
  readonly reconnectBaseMs?: number;
  readonly reconnectMaxMs?: number;
  readonly maxReconnectAttempts?: number;
  /** After 4014/4022 or a null endpoint: how long to wait for a new VOICE_SERVER_UPDATE. */
  readonly waitForServerMs?: number;
  readonly keepaliveIntervalMs?: number;
  /**
   * Once the server has shown that it answers on UDP (it echoed a keepalive) or a send failed, no inbound datagram
   * for this long means the UDP path is dead: one warning, then a fresh connection.
   */
  readonly udpSilenceTimeoutMs?: number;
  /** Resumes in a row that do not bring back a live connection (a heartbeat ACK) before a fresh join instead. */
  readonly maxResumeAttempts?: number;
  readonly reorderDepth?: number;
  readonly reorderWaitMs?: number;
  readonly speakingTimeoutMs?: number;
  /** Speaking flags sent in op 5 before audio (docs/protocol.md §4.2): 1 microphone, 2 soundshare, 4 priority. */
  readonly speakingFlags?: number;
}

export type ResolvedConfig = Required<Omit<VoiceSessionConfig, 'userId' | 'e2ee'>> & { userId?: string; e2ee?: E2eeProvider };

export function resolveConfig(c: VoiceSessionConfig): ResolvedConfig {
  return {
    selfMute: false,
    selfDeaf: false,
    wsScheme: 'wss',
    joinTimeoutMs: 10_000,
    connectTimeoutMs: 15_000,
    ipDiscoveryRetryMs: 1_000,
    ipDiscoveryAttempts: 5,
    heartbeatMissLimit: 3,
    reconnectBaseMs: 1_000,
    reconnectMaxMs: 30_000,
    maxReconnectAttempts: 5,
    waitForServerMs: 10_000,
    keepaliveIntervalMs: 5_000,
    udpSilenceTimeoutMs: 15_000,
    maxResumeAttempts: 2,
    reorderDepth: 6,
    reorderWaitMs: 60,
    speakingTimeoutMs: 250,
    speakingFlags: 1,
    ...c,
  };
}

/** The `d` of a VOICE_STATE_UPDATE dispatch (docs/protocol.md §2.2), as Discord sends it. */
export interface VoiceStateUpdateData {
  readonly guild_id?: string | null;
  readonly channel_id: string | null;
  readonly user_id: string;
  readonly session_id: string;
}

/** The `d` of a VOICE_SERVER_UPDATE dispatch (docs/protocol.md §2.3). */
export interface VoiceServerUpdateData {
  readonly token: string;
  readonly guild_id: string;
  readonly endpoint: string | null;
}
