// A VoiceSession driven to "ready" offline by a scripted server (no sockets), for benchmarks of the core.
import { VoiceSession, type CryptoProvider } from '@voicewire/voice-protocol';

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
