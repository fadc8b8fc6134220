/**
 * Packet-level transport encryption for the `*_rtpsize` modes (docs/protocol.md §10.2, §9.6):
 *
 *   RTP : header[0,H) as AAD · ciphertext · tag(16) · nonce suffix(4), H = 12 + 4·CC + (X ? 4 : 0)
 *   RTCP: header[0,8) as AAD · ciphertext · tag(16) · nonce suffix(4)
 *
 * The nonce is the 4-byte suffix followed by zeros (12 bytes for GCM, 24 for XChaCha). Senders write the
 * suffix as a big-endian 32-bit counter that wraps; receivers copy it verbatim and never interpret it.
 * Opened payloads have RTP padding and the extension body removed.
 */
import { decodeRtpHeader, rtpsizeLayout, stripRtpPlaintext, AEAD_TAG_LENGTH, NONCE_SUFFIX_LENGTH, type RtpHeader } from '../rtp/header.js';
import { decodeRtcpHeader, RTCP_CLEAR_HEADER_LENGTH, type RtcpHeader } from '../rtp/rtcp.js';
import { readU32 } from '../bytes.js';
import { fail, ok, type DecodeResult } from '../result.js';
import { nonceLength, type AeadCipher, type CryptoProvider, type TransportMode } from './provider.js';

export interface OpenedRtp {
  readonly header: RtpHeader;
  /** Opus frame or DAVE frame: padding and extension body removed. */
  readonly payload: Uint8Array;
  /** The 4-byte nonce suffix as a big-endian u32 (authenticated: it is the AEAD nonce), for replay checks. */
  readonly nonce: number;
}

export interface OpenedRtcp {
  readonly header: RtcpHeader;
  /** Decrypted rest of the (compound) RTCP packet after the 8 clear bytes. */
  readonly body: Uint8Array;
}

/** Bytes of overhead the rtpsize modes add after the clear header: tag and nonce suffix. */
export const RTPSIZE_OVERHEAD = AEAD_TAG_LENGTH + NONCE_SUFFIX_LENGTH;

/** One session key in one mode, with a reusable nonce buffer: seal and open whole packets. */
export class TransportCipher {
  readonly mode: TransportMode;
  private readonly aead: AeadCipher;
  private readonly sealNonce: Uint8Array;
  private readonly openNonce: Uint8Array;

  constructor(provider: CryptoProvider, mode: TransportMode, key: Uint8Array) {
    this.mode = mode;
    this.aead = provider.aead(mode, key);
    this.sealNonce = new Uint8Array(nonceLength(mode));
    this.openNonce = new Uint8Array(nonceLength(mode));
  }

  /**
   * Seals `payload` behind the clear `header` (already encoded, H bytes) with nonce suffix `suffix`.
   * Writes the packet into `out` at `offset` when given (it needs header + payload + 20 bytes), else allocates.
   * Returns a view of the packet.
   */
  sealRtp(header: Uint8Array, payload: Uint8Array, suffix: number, out?: Uint8Array, offset = 0): Uint8Array {
    return this.seal(header, payload, suffix, out, offset);
  }

  /** Same as `sealRtp` for an RTCP packet: `header` is its 8 clear bytes, `body` the rest of the compound packet. */
  sealRtcp(header: Uint8Array, body: Uint8Array, suffix: number, out?: Uint8Array, offset = 0): Uint8Array {
    if (header.length !== RTCP_CLEAR_HEADER_LENGTH) throw new RangeError('an RTCP clear header is 8 bytes');
    return this.seal(header, body, suffix, out, offset);
  }

  /**
   * Hot path: the clear header is already at `packet[0, headerLength)` and the payload at
   * `packet[headerLength, headerLength + payloadLength)`; encrypts in place-adjacent fashion into the same buffer
   * and appends tag and suffix. Returns the packet length. `packet` needs headerLength + payloadLength + 20 bytes.
   */
  sealInPlace(packet: Uint8Array, headerLength: number, payloadLength: number, suffix: number): number {
    const n = this.sealNonce;
    n[0] = suffix >>> 24;
    n[1] = (suffix >>> 16) & 0xff;
    n[2] = (suffix >>> 8) & 0xff;
    n[3] = suffix & 0xff;
    const end = headerLength + payloadLength;
    const written = this.aead.seal(n, packet.subarray(0, headerLength), packet.subarray(headerLength, end), packet, headerLength);
    const s = headerLength + written;
    packet[s] = n[0] as number;
    packet[s + 1] = n[1] as number;
    packet[s + 2] = n[2] as number;
    packet[s + 3] = n[3] as number;
    return s + NONCE_SUFFIX_LENGTH;
  }

  private seal(header: Uint8Array, payload: Uint8Array, suffix: number, out: Uint8Array | undefined, offset: number): Uint8Array {
    const total = header.length + payload.length + RTPSIZE_OVERHEAD;
    const b = out ?? new Uint8Array(total);
    const o = out === undefined ? 0 : offset;
    if (o < 0 || o + total > b.length) throw new RangeError(`output buffer too small: need ${total} bytes at offset ${o}`);
    b.set(header, o);
    const n = this.sealNonce;
    n[0] = suffix >>> 24;
    n[1] = (suffix >>> 16) & 0xff;
    n[2] = (suffix >>> 8) & 0xff;
    n[3] = suffix & 0xff;
    const written = this.aead.seal(n, b.subarray(o, o + header.length), payload, b, o + header.length);
    b.set(n.subarray(0, 4), o + header.length + written);
    return b.subarray(o, o + total);
  }

  /** §10.2 receive algorithm. Never throws: short, forged or malformed packets give a reason. */
  openRtp(packet: Uint8Array): DecodeResult<OpenedRtp> {
    const h = decodeRtpHeader(packet);
    if (!h.ok) return h;
    const plain = this.open(packet, h.value.clearHeaderLength);
    if (!plain.ok) return plain;
    const payload = stripRtpPlaintext(plain.value, h.value.padding, h.value.extensionLength ?? 0);
    if (!payload.ok) return payload;
    return ok({ header: h.value, payload: payload.value, nonce: readU32(packet, packet.length - NONCE_SUFFIX_LENGTH) });
  }

  /** Opens an RTCP packet protected with the 8-byte clear header. Never throws. */
  openRtcp(packet: Uint8Array): DecodeResult<OpenedRtcp> {
    const h = decodeRtcpHeader(packet);
    if (!h.ok) return h;
    const plain = this.open(packet, RTCP_CLEAR_HEADER_LENGTH);
    if (!plain.ok) return plain;
    return ok({ header: h.value, body: plain.value });
  }

  private open(packet: Uint8Array, clearHeaderLength: number): DecodeResult<Uint8Array> {
    const layout = rtpsizeLayout(packet.length, clearHeaderLength);
    if (!layout.ok) return layout;
    const n = this.openNonce;
    const s = layout.value.suffixStart;
    n[0] = packet[s] as number;
    n[1] = packet[s + 1] as number;
    n[2] = packet[s + 2] as number;
    n[3] = packet[s + 3] as number;
    let plain: Uint8Array | null;
    try {
      plain = this.aead.open(n, packet.subarray(0, clearHeaderLength), packet.subarray(clearHeaderLength, s));
    } catch {
      // A provider must return null, but remote data must never escape as an exception.
      plain = null;
    }
    return plain === null ? fail('decryption failed: bad tag, wrong key or forged packet') : ok(plain);
  }
}

/** Largest payload that fits a packet buffer of `size` bytes behind a 12-byte header. */
export function maxPayloadFor(size: number): number {
  return size - 12 - RTPSIZE_OVERHEAD;
}
