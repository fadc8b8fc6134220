// Profiling aid: the cost of VoiceSession.sendOpusFrame + drain with no I/O, per provider.
import { nodeProvider } from '@voicewire/crypto-node';
import { sodiumProvider } from '@voicewire/crypto-sodium';
import { TransportCipher, TransportMode, writeOpusRtpHeader, type CryptoProvider } from '@voicewire/voice-protocol';
import { benchAll } from './harness.js';
import { readySession } from './ready-session.js';

const frame = new Uint8Array(160).fill(0x5a); frame[0] = 0xfc;
const cases = [];
for (const [p, mode] of [[sodiumProvider, 'aead_xchacha20_poly1305_rtpsize'], [nodeProvider, 'aead_aes256_gcm_rtpsize']] as const) {
  const { session: s } = readySession(p, mode);
  let t = 10;
  cases.push({ name: `session ${p.name}`, fn: () => { s.sendOpusFrame(frame, t += 0.001); for (let x = s.poll(); x.type !== 'timer'; x = s.poll()); } });
  const c = new TransportCipher(p, mode as TransportMode, new Uint8Array(32).fill(1));
  const packet = new Uint8Array(192);
  let n = 0;
  cases.push({ name: `seal only ${p.name}`, fn: () => { n++; writeOpusRtpHeader(packet, 0, n & 0xffff, n * 960, 1); packet.set(frame, 12); c.sealInPlace(packet, 12, 160, n); } });
}
for (const [k, v] of benchAll(cases, 7, 80)) console.log(k.padEnd(24), v.toFixed(0), 'ns');
