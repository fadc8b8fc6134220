/**
 * The XChaCha20-Poly1305 provider over any sodium-native-compatible library, without importing sodium-native:
 * for code that loads the native module itself and wants to fall back cleanly when it is missing.
 *
 * @module @voicewire/crypto-sodium/create
 */
import { assertAeadArguments, TransportMode, type AeadCipher, type CryptoProvider } from '@voicewire/voice-protocol';

/** The subset of sodium-native this provider calls. */
export interface SodiumLike {
  crypto_aead_xchacha20poly1305_ietf_encrypt(c: Uint8Array, m: Uint8Array, ad: Uint8Array | null, nsec: null, npub: Uint8Array, k: Uint8Array): number;
  crypto_aead_xchacha20poly1305_ietf_decrypt(m: Uint8Array, nsec: null, c: Uint8Array, ad: Uint8Array | null, npub: Uint8Array, k: Uint8Array): number;
}

const MODES: readonly TransportMode[] = [TransportMode.XChaCha];
const TAG = 16;

export function createSodiumProvider(lib: SodiumLike): CryptoProvider {
  return {
    name: 'sodium',
    modes: MODES,
    aead(mode, key): AeadCipher {
      assertAeadArguments('crypto-sodium', MODES, mode, key);
      const k = key.slice();
      return {
        seal(nonce, aad, plaintext, out, offset) {
          const n = plaintext.length + TAG;
          lib.crypto_aead_xchacha20poly1305_ietf_encrypt(out.subarray(offset, offset + n), plaintext, aad, null, nonce, k);
          return n;
        },
        open(nonce, aad, sealed) {
          if (sealed.length < TAG) return null;
          const m = new Uint8Array(sealed.length - TAG);
          try {
            lib.crypto_aead_xchacha20poly1305_ietf_decrypt(m, null, sealed, aad, nonce, k);
            return m;
          } catch {
            return null;
          }
        },
      };
    },
  };
}

