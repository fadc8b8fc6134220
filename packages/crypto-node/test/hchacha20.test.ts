import { hchacha } from '@noble/ciphers/chacha.js';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '@voicewire/voice-protocol';
import { hchacha20, keyWords } from '../src/hchacha20.js';

describe('HChaCha20 (draft-irtf-cfrg-xchacha §2.2.1)', () => {
  it('matches the draft test vector', () => {
    const key = Uint8Array.from({ length: 32 }, (_, i) => i);
    const nonce = fromHex('000000090000004a0000000031415927');
    const out = new Uint8Array(32);
    hchacha20(keyWords(key), nonce, out);
    expect(toHex(out)).toBe('82413b4227b27bfed30e42508a877d73a0f9e4d58a74a853c12ec41326d3ecdc');
  });

  it('agrees with @noble/ciphers on random keys and nonces', () => {
    for (let i = 0; i < 50; i++) {
      const key = Uint8Array.from({ length: 32 }, (_, j) => (i * 31 + j * 17) & 0xff);
      const nonce = Uint8Array.from({ length: 16 }, (_, j) => (i * 7 + j * 13) & 0xff);
      const mine = new Uint8Array(32);
      hchacha20(keyWords(key), nonce, mine);
      const le = (b: Uint8Array) => new Uint32Array(b.slice().buffer);
      const sigma = new Uint32Array([0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]);
      const theirs = new Uint32Array(8);
      hchacha(sigma, le(key), le(nonce), theirs);
      expect(toHex(mine)).toBe(toHex(new Uint8Array(theirs.buffer)));
    }
  });
});
