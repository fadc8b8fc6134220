/**
 * Transport encryption in pure JavaScript with @noble/ciphers (docs/protocol.md §10): both rtpsize AEAD modes,
 * in any runtime (Node, Bun, Deno, browsers, workers).
 *
 * @module @voicewire/crypto-noble
 */
import { gcm } from '@noble/ciphers/aes.js';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { assertAeadArguments, TransportMode, type AeadCipher, type CryptoProvider } from '@voicewire/voice-protocol';

const MODES: readonly TransportMode[] = [TransportMode.AesGcm, TransportMode.XChaCha];

export const nobleProvider: CryptoProvider = {
  name: 'noble',
  modes: MODES,
  aead(mode, key): AeadCipher {
    assertAeadArguments('crypto-noble', MODES, mode, key);
    const k = key.slice();
    const make = mode === TransportMode.AesGcm ? gcm : xchacha20poly1305;
    return {
      seal(nonce, aad, plaintext, out, offset) {
        const sealed = make(k, nonce, aad).encrypt(plaintext);
        out.set(sealed, offset);
        return sealed.length;
      },
      open(nonce, aad, sealed) {
        if (sealed.length < 16) return null;
        try {
          return make(k, nonce, aad).decrypt(sealed);
        } catch {
          return null;
        }
      },
    };
  },
};

export default nobleProvider;
