// Profiling aid: the sans-IO receive path (open + strip + reorder + attribute + drain) with no I/O.
import { nodeProvider } from '@voicewire/crypto-node';
import { TransportCipher, TransportMode, writeOpusRtpHeader } from '@voicewire/voice-protocol';
import { benchAll } from './harness.js';
import { readySession } from './ready-session.js';

const key = new Uint8Array(32).fill(3);
const frame = new Uint8Array(160).fill(0x5a);
frame[0] = 0xfc;
const { session: s, udpId, wsId } = readySession(nodeProvider, 'aead_aes256_gcm_rtpsize', key);
s.handleWsMessage(wsId, JSON.stringify({ op: 5, d: { user_id: '42', ssrc: 77, speaking: 1 } }), 6);
for (let x = s.poll(); x.type !== 'timer'; x = s.poll());
const sender = new TransportCipher(nodeProvider, TransportMode.AesGcm, key);
const packets = Array.from({ length: 1024 }, (_, i) => {
  const h = new Uint8Array(12);
  writeOpusRtpHeader(h, 0, i, i * 960, 77);
  return sender.sealRtp(h, frame, i + 1);
});
let i = 0;
let t = 10;
const receiver = new TransportCipher(nodeProvider, TransportMode.AesGcm, key);
let j = 0;
for (const [k, v] of benchAll([
  { name: 'session receive', fn: () => { s.handleUdpPacket(udpId, packets[i++ & 1023] as Uint8Array, (t += 20)); for (let x = s.poll(); x.type !== 'timer'; x = s.poll()); } },
  { name: 'openRtp only', fn: () => void receiver.openRtp(packets[j++ & 1023] as Uint8Array) },
], 7, 80)) console.log(k.padEnd(20), v.toFixed(0), 'ns');
