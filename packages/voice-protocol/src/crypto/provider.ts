/**
 * The transport-encryption provider interface (docs/architecture.md rule 6, docs/protocol.md §10).
 * Synchronous and injected: the core never imports a crypto library.
 */
import { LocalProtocolError } from '../errors.js';
import { fail, ok, type DecodeResult } from '../result.js';
import { clip } from '../secret.js';

export const TransportMode = {
  AesGcm: 'aead_aes256_gcm_rtpsize',
  XChaCha: 'aead_xchacha20_poly1305_rtpsize',
} as const;
export type TransportMode = (typeof TransportMode)[keyof typeof TransportMode];

export const TRANSPORT_MODES: readonly TransportMode[] = [TransportMode.AesGcm, TransportMode.XChaCha];
export const TRANSPORT_KEY_LENGTH = 32;

/** Full nonce length the AEAD takes: 12 for AES-256-GCM, 24 for XChaCha20-Poly1305. */
export function nonceLength(mode: TransportMode): number {
  return mode === TransportMode.AesGcm ? 12 : 24;
}

/** One AEAD bound to one key. Both calls are synchronous. */
export interface AeadCipher {
  /**
   * Encrypts `plaintext` and writes ciphertext followed by the 16-byte tag into `out` at `offset`.
   * Returns the number of bytes written (`plaintext.length + 16`).
   */
  seal(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, out: Uint8Array, offset: number): number;
  /**
   * Verifies and decrypts `sealed` (ciphertext followed by the 16-byte tag). Returns the plaintext, or
   * `null` when the tag does not verify. Never throws on remote data.
   */
  open(nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array | null;
}

export interface CryptoProvider {
  /** Short name for logs and benchmarks, e.g. "noble". */
  readonly name: string;
  /** Modes this provider implements here and now (AES-GCM may depend on hardware). */
  readonly modes: readonly TransportMode[];
  /** Called once per session key. Throws `LocalProtocolError` (E_BAD_KEY) for a key that is not 32 bytes. */
  aead(mode: TransportMode, key: Uint8Array): AeadCipher;
}

/** Shared argument check for providers: a clear local error for a wrong key or an unsupported mode. */
export function assertAeadArguments(provider: string, supported: readonly TransportMode[], mode: TransportMode, key: Uint8Array): void {
  if (!(key instanceof Uint8Array) || key.length !== TRANSPORT_KEY_LENGTH) {
    const got = key instanceof Uint8Array ? `${key.length} bytes` : typeof key;
    throw new LocalProtocolError(`${provider}: the transport key must be ${TRANSPORT_KEY_LENGTH} bytes (Session Description secret_key), got ${got}`, 'E_BAD_KEY');
  }
  if (!supported.includes(mode)) {
    throw new LocalProtocolError(`${provider}: mode ${String(mode)} is not supported here (supported: ${supported.join(', ') || 'none'})`, 'E_BAD_ARGUMENT');
  }
}

/**
 * Picks the mode to put in Select Protocol (§10.1): AES-256-GCM when the server offers it and the provider
 * has it, else XChaCha20-Poly1305. A reason when nothing matches.
 */
export function chooseTransportMode(offered: readonly string[], supported: readonly TransportMode[]): DecodeResult<TransportMode> {
  for (const mode of TRANSPORT_MODES) if (offered.includes(mode) && supported.includes(mode)) return ok(mode);
  return fail(`no common encryption mode: the server offers [${clip(offered.slice(0, 8).join(', '), 160)}${offered.length > 8 ? `, … ${offered.length} in all` : ''}], the crypto provider supports [${supported.join(', ')}]`);
}
