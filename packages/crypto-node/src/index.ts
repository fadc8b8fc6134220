/**
 * Transport encryption with node:crypto (PROTOCOL.md §10): AES-256-GCM natively, and XChaCha20-Poly1305
 * as HChaCha20 subkey + Node's IETF chacha20-poly1305 (no pure-JS bulk cipher on the hot path).
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

function aesGcm(key: KeyObject): AeadCipher {
  return {
    seal(nonce, aad, plaintext, out, offset) {
      const c = createCipheriv('aes-256-gcm', key, nonce);
      c.setAAD(aad);
      const ct = c.update(plaintext);
      c.final();
      out.set(ct, offset);
      out.set(c.getAuthTag(), offset + ct.length);
      return ct.length + TAG;
    },
    open(nonce, aad, sealed) {
      if (sealed.length < TAG) return null;
      try {
        const d = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG });
        d.setAAD(aad);
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

function xchacha(key: Uint8Array): AeadCipher {
  const words = keyWords(key);
  const subkey = new Uint8Array(32);
  const iv = new Uint8Array(12);
  const derive = (nonce: Uint8Array): void => {
    hchacha20(words, nonce, subkey);
    iv.set(nonce.subarray(16, 24), 4);
  };
  return {
    seal(nonce, aad, plaintext, out, offset) {
      derive(nonce);
      const c = createCipheriv('chacha20-poly1305', subkey, iv, { authTagLength: TAG });
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
        derive(nonce);
        const d = createDecipheriv('chacha20-poly1305', subkey, iv, { authTagLength: TAG });
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

export const nodeProvider: CryptoProvider = {
  name: 'node',
  modes: MODES,
  aead(mode, key) {
    assertAeadArguments('crypto-node', MODES, mode, key);
    return mode === TransportMode.AesGcm ? aesGcm(createSecretKey(key)) : xchacha(key.slice());
  },
};

export default nodeProvider;
