/** Worked packets of docs/protocol.md §10.3: key 00..1f, payload F8 FF FE, SSRC 0x12345678. */
import { fromHex } from '@voicewire/voice-protocol';

export const VECTOR_KEY: Uint8Array = Uint8Array.from({ length: 32 }, (_, i) => i);

export const TRANSPORT_VECTORS = {
  /** (a) aead_aes256_gcm_rtpsize, seq 1, ts 960, suffix 1. */
  aesGcm: {
    header: fromHex('80 78 00 01 00 00 03 c0 12 34 56 78'),
    payload: fromHex('f8 ff fe'),
    suffix: 1,
    packet: fromHex('80 78 00 01 00 00 03 c0 12 34 56 78  bc c9 33  53 bb c8 ff f0 8e fd ab 87 62 63 d6 0a b1 a9 f3  00 00 00 01'),
  },
  /** (b) aead_xchacha20_poly1305_rtpsize, same header and suffix. */
  xchacha: {
    header: fromHex('80 78 00 01 00 00 03 c0 12 34 56 78'),
    payload: fromHex('f8 ff fe'),
    suffix: 1,
    packet: fromHex('80 78 00 01 00 00 03 c0 12 34 56 78  f1 58 af  01 87 f0 07 13 b4 df f1 6c e7 95 67 99 db ef 0f  00 00 00 01'),
  },
  /** (c) receive side with a one-word header extension, AES mode, seq 2, ts 1920, suffix 2. */
  aesGcmExtension: {
    packet: fromHex('90 78 00 02 00 00 07 80 12 34 56 78  be de 00 01  bc 03 5a ce 6a ff 08  9c 34 02 ef 58 77 f2 0a db c8 18 25 f2 a8 e1 e5  00 00 00 02'),
    payload: fromHex('f8 ff fe'),
  },
} as const;
