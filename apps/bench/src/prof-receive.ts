// Profiling aid: the sans-IO receive path (open + strip + reorder + attribute + drain) with no I/O.
import { nodeProvider } from '@voicewire/crypto-node';
import { TransportCipher, TransportMode, writeOpusRtpHeader } from '@voicewire/voice-protocol';
import { benchAll } from './harness.js';
import { receiveCase } from './ready-session.js';

const key = new Uint8Array(32).fill(3);
const frame = new Uint8Array(160).fill(0x5a);
frame[0] = 0xfc;
const sender = new TransportCipher(nodeProvider, TransportMode.AesGcm, key);
const packets = Array.from({ length: 1024 }, (_, n) => {
  const h = new Uint8Array(12);
  writeOpusRtpHeader(h, 0, n, n * 960, 77);
  return sender.sealRtp(h, frame, n + 1);
});
const receiver = new TransportCipher(nodeProvider, TransportMode.AesGcm, key);
let j = 0;
for (const [k, v] of benchAll([
  { name: 'session receive', fn: receiveCase(nodeProvider, 'aead_aes256_gcm_rtpsize', frame, key) },
  { name: 'openRtp only', fn: () => void receiver.openRtp(packets[j++ & 1023] as Uint8Array) },
], 7, 80)) console.log(k.padEnd(20), v.toFixed(0), 'ns');
