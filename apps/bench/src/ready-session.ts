// A VoiceSession driven to "ready" offline by a scripted server (no sockets), for benchmarks of the core.
import { TransportCipher, VoiceSession, writeOpusRtpHeader, type CryptoProvider, type TransportMode } from '@voicewire/voice-protocol';

export function readySession(crypto: CryptoProvider, mode: string, key: Uint8Array = new Uint8Array(32).fill(1)): { session: VoiceSession; udpId: number; wsId: number } {
  const s = new VoiceSession({ guildId: '1', channelId: '2', userId: '3', crypto, random: () => 0.5 });
  const out = () => {
    const o = [];
    for (let x = s.poll(); x.type !== 'timer'; x = s.poll()) o.push(x);
    return o;
  };
  s.join(0);
  out();
  s.handleVoiceStateUpdate({ guild_id: '1', channel_id: '2', user_id: '3', session_id: 's' }, 1);
  s.handleVoiceServerUpdate({ guild_id: '1', token: 't', endpoint: 'x:1' }, 1);
  const ws = out().find((o) => o.type === 'ws-connect') as { id: number };
  s.handleWsOpen(ws.id, 2);
  s.handleWsMessage(ws.id, JSON.stringify({ op: 2, d: { ssrc: 1, ip: '127.0.0.1', port: 9, modes: [mode] } }), 3);
  const udp = out().find((o) => o.type === 'udp-connect') as { id: number };
  const resp = new Uint8Array(74);
  resp[1] = 2;
  resp[3] = 70;
  resp[7] = 1;
  resp.set(new TextEncoder().encode('127.0.0.1'), 8);
  resp[73] = 9;
  s.handleUdpPacket(udp.id, resp, 4);
  s.handleWsMessage(ws.id, JSON.stringify({ op: 4, d: { mode, secret_key: Array.from(key), dave_protocol_version: 0 } }), 5);
  out();
  return { session: s, udpId: udp.id, wsId: ws.id };
}

/**
 * A ready session that knows SSRC 77 belongs to user 42, plus 1,024 sealed packets from that user, and a
 * function receiving one packet through the whole session (open, strip, reorder, attribute, drain).
 */
export function receiveCase(crypto: CryptoProvider, mode: 'aead_aes256_gcm_rtpsize' | 'aead_xchacha20_poly1305_rtpsize', frame: Uint8Array, key = new Uint8Array(32).fill(3)): () => void {
  const { session, udpId, wsId } = readySession(crypto, mode, key);
  session.handleWsMessage(wsId, JSON.stringify({ op: 5, d: { user_id: '42', ssrc: 77, speaking: 1 } }), 6);
  for (let x = session.poll(); x.type !== 'timer'; x = session.poll());
  const sender = new TransportCipher(crypto, mode as TransportMode, key);
  const packets = Array.from({ length: 1024 }, (_, i) => {
    const h = new Uint8Array(12);
    writeOpusRtpHeader(h, 0, i, i * 960, 77);
    return sender.sealRtp(h, frame, i + 1);
  });
  let i = 0;
  let t = 10;
  return () => {
    session.handleUdpPacket(udpId, packets[i++ & 1023] as Uint8Array, (t += 20));
    for (let x = session.poll(); x.type !== 'timer'; x = session.poll());
  };
}
