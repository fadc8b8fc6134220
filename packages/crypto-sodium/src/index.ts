/**
 * Transport encryption with sodium-native (libsodium): XChaCha20-Poly1305-IETF (docs/protocol.md §10).
 *
 * sodium-native 5 exposes no AES-256-GCM binding, so this provider offers XChaCha only; Discord always
 * offers XChaCha, so mode choice simply picks it. Use `createSodiumProvider(lib)` to pass a compatible
 * library (e.g. one already loaded by your app); the default export imports sodium-native statically.
 *
 * @module @voicewire/crypto-sodium
 */
/// <reference path="./sodium-native.d.ts" />
import sodium from 'sodium-native';
import type { CryptoProvider } from '@voicewire/voice-protocol';
import { createSodiumProvider, type SodiumLike } from './create.js';

export { createSodiumProvider, type SodiumLike } from './create.js';

export const sodiumProvider: CryptoProvider = createSodiumProvider(sodium as unknown as SodiumLike);
export default sodiumProvider;
