/**
 * The conformance suite every `CryptoProvider` runs (docs/protocol.md §10.2, §10.3, §9.6): the worked packets byte
 * for byte, seeded random cross-checks against peer providers, tampering, wrong keys and bad arguments.
 * Returns plain cases so any test runner (vitest, bun test, Deno.test) can register them.
 */
import {
  encodeRtpHeader,
  LocalProtocolError,
  TransportCipher,
  TransportMode,
  type CryptoProvider,
} from '@voicewire/voice-protocol';
import { assert, assertBytes, assertThrows } from './assert.js';
import { seededRandom, type SeededRandom } from './random.js';
import { TRANSPORT_VECTORS, VECTOR_KEY } from './vectors.js';

export interface TestCase {
  readonly name: string;
  run(): void | Promise<void>;
}

interface Built {
  packet: Uint8Array;
  payload: Uint8Array;
}

/** A random RTP packet plaintext: optional CSRCs, extension body, padding; payload 0–1276 bytes. */
function randomRtp(rng: SeededRandom, cipher: TransportCipher, suffix: number, size?: number): Built {
  const csrcs = rng.bool(0.3) ? Array.from({ length: rng.int(1, 4) }, () => rng.int(0, 0xffffffff)) : [];
  const extWords = rng.bool(0.4) ? rng.int(0, 3) : -1;
  const padding = rng.bool(0.3) ? rng.int(1, 16) : 0;
  const payload = rng.bytes(size ?? rng.int(0, 1276));
  const header = encodeRtpHeader({
    sequence: rng.int(0, 0xffff),
    timestamp: rng.int(0, 0xffffffff),
    ssrc: rng.int(0, 0xffffffff),
    csrcs,
    padding: padding > 0,
    ...(extWords >= 0 ? { extension: { profile: 0xbede, length: extWords } } : {}),
  });
  const ext = rng.bytes(Math.max(0, extWords) * 4);
  const plain = new Uint8Array(ext.length + payload.length + padding);
  plain.set(ext, 0);
  plain.set(payload, ext.length);
  if (padding > 0) plain[plain.length - 1] = padding;
  return { packet: cipher.sealRtp(header, plain, suffix), payload };
}

function modesOf(p: CryptoProvider, q?: CryptoProvider): TransportMode[] {
  return [TransportMode.AesGcm, TransportMode.XChaCha].filter((m) => p.modes.includes(m) && (!q || q.modes.includes(m)));
}

export function cryptoProviderConformance(provider: CryptoProvider, peers: readonly CryptoProvider[] = [], seed = 0x5eed): TestCase[] {
  const cases: TestCase[] = [];
  const add = (name: string, run: () => void) => cases.push({ name: `${provider.name}: ${name}`, run });

  add('implements XChaCha20-Poly1305 (Discord always offers it and clients must implement it)', () => {
    assert(provider.modes.includes(TransportMode.XChaCha), 'provider must support aead_xchacha20_poly1305_rtpsize');
  });

  if (provider.modes.includes(TransportMode.AesGcm)) {
    add('seals worked packet (a) byte for byte and opens it', () => {
      const v = TRANSPORT_VECTORS.aesGcm;
      const c = new TransportCipher(provider, TransportMode.AesGcm, VECTOR_KEY);
      assertBytes(c.sealRtp(v.header, v.payload, v.suffix), v.packet, 'AES-GCM packet (a)');
      const opened = c.openRtp(v.packet);
      assert(opened.ok, 'packet (a) must open');
      assertBytes(opened.value.payload, v.payload, 'payload of (a)');
    });
    add('opens worked packet (c) with a header extension and strips the extension body', () => {
      const v = TRANSPORT_VECTORS.aesGcmExtension;
      const opened = new TransportCipher(provider, TransportMode.AesGcm, VECTOR_KEY).openRtp(v.packet);
      assert(opened.ok, `packet (c) must open: ${opened.ok ? '' : opened.reason}`);
      assertBytes(opened.value.payload, v.payload, 'payload of (c)');
      assert(opened.value.header.sequence === 2 && opened.value.header.timestamp === 1920, 'header of (c)');
    });
  }
  if (provider.modes.includes(TransportMode.XChaCha)) {
    add('seals worked packet (b) byte for byte and opens it', () => {
      const v = TRANSPORT_VECTORS.xchacha;
      const c = new TransportCipher(provider, TransportMode.XChaCha, VECTOR_KEY);
      assertBytes(c.sealRtp(v.header, v.payload, v.suffix), v.packet, 'XChaCha packet (b)');
      const opened = c.openRtp(v.packet);
      assert(opened.ok, 'packet (b) must open');
      assertBytes(opened.value.payload, v.payload, 'payload of (b)');
    });
  }

  for (const mode of modesOf(provider)) {
    add(`${mode}: sealInPlace, sealRtp into a buffer at an offset, and the nonce suffix are consistent`, () => {
      const rng = seededRandom(seed);
      const key = rng.bytes(32);
      const c = new TransportCipher(provider, mode, key);
      const header = encodeRtpHeader({ sequence: 7, timestamp: 6720, ssrc: 42 });
      const payload = rng.bytes(160);
      const expected = c.sealRtp(header, payload, 0xffffffff);
      assertBytes(expected.subarray(expected.length - 4), Uint8Array.of(0xff, 0xff, 0xff, 0xff), 'suffix is the big-endian counter');
      const buf = new Uint8Array(12 + 160 + 20);
      buf.set(header, 0);
      buf.set(payload, 12);
      const n = c.sealInPlace(buf, 12, 160, 0xffffffff);
      assert(n === expected.length, 'sealInPlace length');
      assertBytes(buf.subarray(0, n), expected, 'sealInPlace output');
      const out = new Uint8Array(expected.length + 10).fill(0xaa);
      const view = c.sealRtp(header, payload, 0xffffffff, out, 5);
      assertBytes(view, expected, 'sealRtp into a buffer');
      assert(out[4] === 0xaa && out[5 + expected.length] === 0xaa, 'sealRtp stays inside its slice');
      assertThrows(() => c.sealRtp(header, payload, 1, new Uint8Array(10), 0), (e) => e instanceof RangeError, 'too-small output buffer');
    });

    add(`${mode}: tampered header, ciphertext, tag or suffix, and a wrong key, fail to open`, () => {
      const rng = seededRandom(seed + 1);
      const key = rng.bytes(32);
      const c = new TransportCipher(provider, mode, key);
      for (let i = 0; i < 20; i++) {
        const { packet } = randomRtp(rng, c, rng.int(0, 0xffffffff), rng.int(1, 400));
        const h = 12; // every region is checked by flipping one byte in it
        const regions: [string, number, number][] = [
          ['header', 1, h],
          ['ciphertext', packet.length - 20 - 1, packet.length - 20],
          ['tag', packet.length - 20, packet.length - 4],
          ['suffix', packet.length - 4, packet.length],
        ];
        for (const [name, from, to] of regions) {
          const t = packet.slice();
          const at = rng.int(from, to - 1);
          t[at] = (t[at] as number) ^ (1 << rng.int(0, 7));
          if (name === 'header' && at === 0) continue; // flipping CC/X/P changes the layout itself; covered by the general check below
          assert(!c.openRtp(t).ok, `tampered ${name} byte ${at} must not open`);
        }
        const wrong = new TransportCipher(provider, mode, rng.bytes(32));
        assert(!wrong.openRtp(packet).ok, 'wrong key must not open');
        assert(c.openRtp(packet).ok, 'untouched packet opens');
      }
      // Truncations and garbage give reasons, never throws.
      const { packet } = randomRtp(rng, c, 5, 50);
      for (let n = 0; n < packet.length; n++) assert(!c.openRtp(packet.subarray(0, n)).ok, `truncated to ${n} bytes must not open`);
      for (let i = 0; i < 200; i++) c.openRtp(rng.bytes(rng.int(0, 100)));
    });

    add(`${mode}: RTCP with its 8-byte clear header seals and opens, and rejects tampering`, () => {
      const rng = seededRandom(seed + 2);
      const key = rng.bytes(32);
      const c = new TransportCipher(provider, mode, key);
      const header = Uint8Array.of(0x80, 0xc9, 0x00, 0x07, 0x12, 0x34, 0x56, 0x78);
      const body = rng.bytes(24);
      const sealed = c.sealRtcp(header, body, 0x80000000);
      const opened = c.openRtcp(sealed);
      assert(opened.ok, 'RTCP opens');
      assertBytes(opened.value.body, body, 'RTCP body');
      assert(opened.value.header.packetType === 201 && opened.value.header.senderSsrc === 0x12345678, 'RTCP header');
      const t = sealed.slice();
      t[3] = (t[3] as number) ^ 1;
      assert(!c.openRtcp(t).ok, 'tampered RTCP header must not open');
    });
  }

  add('a key of the wrong length is a clear local error', () => {
    for (const mode of modesOf(provider)) {
      for (const n of [0, 16, 31, 33]) {
        assertThrows(() => provider.aead(mode, new Uint8Array(n)), (e) => e instanceof LocalProtocolError && e.code === 'E_BAD_KEY' && /32 bytes/.test(e.message), `${mode} with a ${n}-byte key`);
      }
    }
  });

  add('an unsupported mode is a clear local error', () => {
    assertThrows(() => provider.aead('xsalsa20_poly1305' as TransportMode, VECTOR_KEY), (e) => e instanceof LocalProtocolError && /not supported/.test(e.message), 'deprecated mode');
  });

  for (const peer of peers) {
    for (const mode of modesOf(provider, peer)) {
      add(`${mode}: cross-check with ${peer.name} both ways (payloads 0–1276, CSRCs, extension, padding)`, () => {
        const rng = seededRandom(seed ^ peer.name.length ^ mode.length);
        for (let i = 0; i < 60; i++) {
          const key = rng.bytes(32);
          const mine = new TransportCipher(provider, mode, key);
          const theirs = new TransportCipher(peer, mode, key);
          const size = i === 0 ? 0 : i === 1 ? 1276 : undefined;
          for (const [sealer, opener, dir] of [[mine, theirs, '→'], [theirs, mine, '←']] as const) {
            const { packet, payload } = randomRtp(rng, sealer, rng.int(0, 0xffffffff), size);
            const opened = opener.openRtp(packet);
            assert(opened.ok, `${provider.name} ${dir} ${peer.name}: packet ${i} must open (${opened.ok ? '' : opened.reason})`);
            assertBytes(opened.value.payload, payload, `${provider.name} ${dir} ${peer.name}: payload ${i}`);
          }
        }
      });
    }
  }
  return cases;
}
