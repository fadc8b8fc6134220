// Profiling aid: the cost of VoiceSession.sendOpusFrame + drain with no I/O, per provider.
import { nodeProvider } from '@voicewire/crypto-node';
import { sodiumProvider } from '@voicewire/crypto-sodium';
import { VoiceSession, TransportCipher, TransportMode, writeOpusRtpHeader, type CryptoProvider } from '@voicewire/voice-protocol';
import { benchAll } from './harness.js';

function readySession(crypto: CryptoProvider, mode: string): VoiceSession {
  const s = new VoiceSession({ guildId: '1', channelId: '2', userId: '3', crypto, random: () => 0.5 });
  const out = () => { const o = []; for (let x = s.poll(); x.type !== 'timer'; x = s.poll()) o.push(x); return o; };
  s.join(0); out();
  s.handleVoiceStateUpdate({ guild_id: '1', channel_id: '2', user_id: '3', session_id: 's' }, 1);
  s.handleVoiceServerUpdate({ guild_id: '1', token: 't', endpoint: 'x:1' }, 1);
  const ws = out().find((o) => o.type === 'ws-connect') as { id: number };
  s.handleWsOpen(ws.id, 2);
  s.handleWsMessage(ws.id, JSON.stringify({ op: 2, d: { ssrc: 1, ip: '127.0.0.1', port: 9, modes: [mode] } }), 3);
  const udp = out().find((o) => o.type === 'udp-connect') as { id: number };
  const resp = new Uint8Array(74); resp[1] = 2; resp[3] = 70; resp[7] = 1; resp.set(new TextEncoder().encode('127.0.0.1'), 8); resp[73] = 9;
  s.handleUdpPacket(udp.id, resp, 4);
  s.handleWsMessage(ws.id, JSON.stringify({ op: 4, d: { mode, secret_key: Array(32).fill(1), dave_protocol_version: 0 } }), 5);
  out();
  return s;
}
const frame = new Uint8Array(160).fill(0x5a); frame[0] = 0xfc;
const cases = [];
for (const [p, mode] of [[sodiumProvider, 'aead_xchacha20_poly1305_rtpsize'], [nodeProvider, 'aead_aes256_gcm_rtpsize']] as const) {
  const s = readySession(p, mode);
  let t = 10;
  cases.push({ name: `session ${p.name}`, fn: () => { s.sendOpusFrame(frame, t += 0.001); for (let x = s.poll(); x.type !== 'timer'; x = s.poll()); } });
  const c = new TransportCipher(p, mode as TransportMode, new Uint8Array(32).fill(1));
  const packet = new Uint8Array(192);
  let n = 0;
  cases.push({ name: `seal only ${p.name}`, fn: () => { n++; writeOpusRtpHeader(packet, 0, n & 0xffff, n * 960, 1); packet.set(frame, 12); c.sealInPlace(packet, 12, 160, n); } });
}
for (const [k, v] of benchAll(cases, 7, 80)) console.log(k.padEnd(24), v.toFixed(0), 'ns');
