/**
 * Transport encryption with node:crypto (docs/protocol.md §10): AES-256-GCM natively, and XChaCha20-Poly1305
 * as HChaCha20 subkey + Node's IETF chacha20-poly1305 (no pure-JS bulk cipher on the hot path).
 *
 * @module @voicewire/crypto-node
 */
import { createCipheriv, createDecipheriv, createSecretKey, getCiphers, type KeyObject } from 'node:crypto';
import { assertAeadArguments, TransportMode, type AeadCipher, type CryptoProvider } from '@voicewire/voice-protocol';
import { hchacha20, keyWords } from './hchacha20.js';

export { hchacha20, keyWords } from './hchacha20.js';

const TAG = 16;
const available = new Set(getCiphers());
const MODES: readonly TransportMode[] = [
  ...(available.has('aes-256-gcm') ? [TransportMode.AesGcm] : []),
  ...(available.has('chacha20-poly1305') ? [TransportMode.XChaCha] : []),
];

type NodeAead = 'aes-256-gcm' | 'chacha20-poly1305';

/** seal/open over one Node AEAD; `prepare(nonce)` gives the key and IV for that nonce. */
function nodeAead(algorithm: NodeAead, prepare: (nonce: Uint8Array) => { key: KeyObject | Uint8Array; iv: Uint8Array }): AeadCipher {
  return {
    seal(nonce, aad, plaintext, out, offset) {
      const { key, iv } = prepare(nonce);
      const c = createCipheriv(algorithm as 'aes-256-gcm', key, iv, { authTagLength: TAG });
      c.setAAD(aad, { plaintextLength: plaintext.length });
      const ct = c.update(plaintext);
      c.final();
      out.set(ct, offset);
      out.set(c.getAuthTag(), offset + ct.length);
      return ct.length + TAG;
    },
    open(nonce, aad, sealed) {
      if (sealed.length < TAG) return null;
      try {
        const { key, iv } = prepare(nonce);
        const d = createDecipheriv(algorithm as 'aes-256-gcm', key, iv, { authTagLength: TAG });
        d.setAAD(aad, { plaintextLength: sealed.length - TAG });
        d.setAuthTag(sealed.subarray(sealed.length - TAG));
        const pt = d.update(sealed.subarray(0, sealed.length - TAG));
        d.final();
        return pt;
      } catch {
        return null;
      }
    },
  };
}

function aesGcm(key: KeyObject): AeadCipher {
  return nodeAead('aes-256-gcm', (nonce) => ({ key, iv: nonce }));
}

/** XChaCha20-Poly1305: HChaCha20 subkey from nonce[0..16), then IETF ChaCha20-Poly1305 with 0x00000000 ‖ nonce[16..24). */
function xchacha(key: Uint8Array): AeadCipher {
  const words = keyWords(key);
  const subkey = new Uint8Array(32);
  const iv = new Uint8Array(12);
  return nodeAead('chacha20-poly1305', (nonce) => {
    hchacha20(words, nonce, subkey);
    iv.set(nonce.subarray(16, 24), 4);
    return { key: subkey, iv };
  });
}

export const nodeProvider: CryptoProvider = {
  name: 'node',
  modes: MODES,
  aead(mode, key) {
    assertAeadArguments('crypto-node', MODES, mode, key);
    return mode === TransportMode.AesGcm ? aesGcm(createSecretKey(key)) : xchacha(key.slice());
  },
};

export default nodeProvider;
