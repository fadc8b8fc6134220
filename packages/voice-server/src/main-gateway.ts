/**
 * The subset of Discord's main gateway (v10, JSON) a bot needs to join voice channels on the emulator:
 * Hello, Identify → READY, heartbeats, and op 4 → VOICE_STATE_UPDATE + VOICE_SERVER_UPDATE dispatches.
 * Any token is accepted; the user id is the token itself when it is a snowflake, else derived from it.
 */
import { createHash } from 'node:crypto';
import type { WebSocket } from 'ws';

export const GATEWAY_HEARTBEAT_MS = 41_250;

export function userIdForToken(token: string): string {
  const bare = token.replace(/^Bot\s+/i, '');
  if (/^\d{17,20}$/.test(bare)) return bare;
  const h = createHash('sha256').update(bare).digest();
  // a 60-bit number keeps the id in the snowflake range and stable per token
  return (h.readBigUInt64BE(0) >> 4n).toString();
}

export interface GatewayClient {
  readonly socket: WebSocket;
  userId: string | null;
  seq: number;
}

export function sendDispatch(c: GatewayClient, t: string, d: unknown): void {
  c.socket.send(JSON.stringify({ op: 0, t, s: ++c.seq, d }));
}

/** Handles one main-gateway message. `onVoiceState` receives op 4 once the client has identified. */
export function handleGatewayMessage(c: GatewayClient, text: string, sessionId: string, resumeUrl: string, onVoiceState: (userId: string, d: { guild_id: string; channel_id: string | null; self_mute?: boolean; self_deaf?: boolean }) => void): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    c.socket.close(4002, 'Decode error');
    return;
  }
  // Any JSON value can arrive (null, a number, an array): only an object with an op is a message.
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    c.socket.close(4002, 'Decode error');
    return;
  }
  const m = parsed as { op?: unknown; d?: unknown };
  const d = typeof m.d === 'object' && m.d !== null ? (m.d as Record<string, unknown>) : undefined;
  switch (m.op) {
    case 1:
      c.socket.send(JSON.stringify({ op: 11, d: null, s: null, t: null }));
      return;
    case 2: {
      const token = d?.token;
      if (typeof token !== 'string' || token.length === 0) return c.socket.close(4004, 'Authentication failed');
      c.userId = userIdForToken(token);
      sendDispatch(c, 'READY', { v: 10, user: { id: c.userId, username: `bot-${c.userId.slice(-4)}`, bot: true, discriminator: '0' }, session_id: sessionId, resume_gateway_url: resumeUrl, guilds: [], application: { id: c.userId, flags: 0 } });
      return;
    }
    case 4: {
      if (!c.userId) return c.socket.close(4003, 'Not authenticated');
      if (!d || typeof d.guild_id !== 'string' || (d.channel_id !== null && typeof d.channel_id !== 'string')) return c.socket.close(4002, 'Decode error');
      onVoiceState(c.userId, { guild_id: d.guild_id, channel_id: d.channel_id as string | null, self_mute: !!d.self_mute, self_deaf: !!d.self_deaf });
      return;
    }
    default:
      return; // other ops are not emulated
  }
}
