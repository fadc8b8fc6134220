/**
 * RTP header (docs/protocol.md §9.1–§9.4, RFC 3550) and the clear-header layout of the `*_rtpsize`
 * AEAD modes (§10.2): H = 12 + 4·CC + (X ? 4 : 0) bytes are sent in the clear and authenticated;
 * the extension *body* and any padding are inside the encrypted part.
 */
import { outputBuffer, readU16, readU32, writeU16, writeU32 } from '../bytes.js';
import { fail, ok, type DecodeResult } from '../result.js';

export const RTP_VERSION = 2;
export const OPUS_PAYLOAD_TYPE = 120;
export const RTP_FIXED_HEADER_LENGTH = 12;
/** Samples per 20 ms Opus frame at 48 kHz: the RTP timestamp step. */
export const OPUS_FRAME_SAMPLES = 960;
export const OPUS_FRAME_MS = 20;

export interface RtpHeader {
  readonly padding: boolean;
  readonly extension: boolean;
  readonly csrcCount: number;
  readonly marker: boolean;
  readonly payloadType: number;
  readonly sequence: number;
  readonly timestamp: number;
  readonly ssrc: number;
  readonly csrcs: readonly number[];
  /** Extension profile (0xBEDE for RFC 8285 one-byte elements) when `extension`. */
  readonly extensionProfile?: number;
  /** Extension body length in 32-bit words when `extension` (the body itself is encrypted in rtpsize modes). */
  readonly extensionLength?: number;
  /** Bytes of clear, authenticated header: 12 + 4·CC + (X ? 4 : 0). */
  readonly clearHeaderLength: number;
}

/** Clear-header length of a packet from its first byte, or -1 when the version is not 2. */
export function rtpClearHeaderLength(firstByte: number): number {
  if (firstByte >>> 6 !== RTP_VERSION) return -1;
  return RTP_FIXED_HEADER_LENGTH + 4 * (firstByte & 0x0f) + (firstByte & 0x10 ? 4 : 0);
}

/** Decodes the clear part of an RTP header. Never throws. */
export function decodeRtpHeader(b: Uint8Array): DecodeResult<RtpHeader> {
  if (b.length < RTP_FIXED_HEADER_LENGTH) return fail(`RTP packet shorter than ${RTP_FIXED_HEADER_LENGTH} bytes`);
  const b0 = b[0] as number;
  const b1 = b[1] as number;
  if (b0 >>> 6 !== RTP_VERSION) return fail(`RTP version ${b0 >>> 6} is not 2`);
  const csrcCount = b0 & 0x0f;
  const extension = (b0 & 0x10) !== 0;
  const clearHeaderLength = rtpClearHeaderLength(b0);
  if (b.length < clearHeaderLength) return fail(`RTP packet shorter than its ${clearHeaderLength}-byte header`);
  const csrcs: number[] = [];
  for (let i = 0; i < csrcCount; i++) csrcs.push(readU32(b, 12 + 4 * i));
  const base = {
    padding: (b0 & 0x20) !== 0,
    extension,
    csrcCount,
    marker: (b1 & 0x80) !== 0,
    payloadType: b1 & 0x7f,
    sequence: readU16(b, 2),
    timestamp: readU32(b, 4),
    ssrc: readU32(b, 8),
    csrcs,
    clearHeaderLength,
  };
  if (!extension) return ok(base);
  const e = 12 + 4 * csrcCount;
  return ok({ ...base, extensionProfile: readU16(b, e), extensionLength: readU16(b, e + 2) });
}

export interface RtpHeaderInit {
  readonly sequence: number;
  readonly timestamp: number;
  readonly ssrc: number;
  readonly payloadType?: number;
  readonly marker?: boolean;
  readonly padding?: boolean;
  readonly csrcs?: readonly number[];
  /** Writes the 4-byte extension preamble; the body (4·length bytes) belongs to the payload side. */
  readonly extension?: { readonly profile: number; readonly length: number };
}

export function rtpHeaderLength(init: RtpHeaderInit): number {
  return RTP_FIXED_HEADER_LENGTH + 4 * (init.csrcs?.length ?? 0) + (init.extension ? 4 : 0);
}

/** Encodes the clear header; returns the written bytes. */
export function encodeRtpHeader(init: RtpHeaderInit, out?: Uint8Array, offset = 0): Uint8Array {
  const csrcs = init.csrcs ?? [];
  if (csrcs.length > 15) throw new RangeError('RTP allows at most 15 CSRCs');
  const len = rtpHeaderLength(init);
  const b = outputBuffer(len, out, offset);
  b[offset] = 0x80 | (init.padding ? 0x20 : 0) | (init.extension ? 0x10 : 0) | csrcs.length;
  b[offset + 1] = (init.marker ? 0x80 : 0) | ((init.payloadType ?? OPUS_PAYLOAD_TYPE) & 0x7f);
  writeU16(b, offset + 2, init.sequence & 0xffff);
  writeU32(b, offset + 4, init.timestamp >>> 0);
  writeU32(b, offset + 8, init.ssrc >>> 0);
  let o = offset + 12;
  for (const c of csrcs) {
    writeU32(b, o, c >>> 0);
    o += 4;
  }
  if (init.extension) {
    writeU16(b, o, init.extension.profile);
    writeU16(b, o + 2, init.extension.length);
  }
  return b.subarray(offset, offset + len);
}

/**
 * Hot path: writes the 12-byte header bots send (0x80 0x78, no CSRC, no extension) at `offset`.
 * No allocation, no object.
 */
export function writeOpusRtpHeader(b: Uint8Array, offset: number, sequence: number, timestamp: number, ssrc: number): void {
  b[offset] = 0x80;
  b[offset + 1] = OPUS_PAYLOAD_TYPE;
  b[offset + 2] = (sequence >>> 8) & 0xff;
  b[offset + 3] = sequence & 0xff;
  b[offset + 4] = timestamp >>> 24;
  b[offset + 5] = (timestamp >>> 16) & 0xff;
  b[offset + 6] = (timestamp >>> 8) & 0xff;
  b[offset + 7] = timestamp & 0xff;
  b[offset + 8] = ssrc >>> 24;
  b[offset + 9] = (ssrc >>> 16) & 0xff;
  b[offset + 10] = (ssrc >>> 8) & 0xff;
  b[offset + 11] = ssrc & 0xff;
}

/** Bytes of AEAD tag and of nonce suffix in the rtpsize modes (§10.2). */
export const AEAD_TAG_LENGTH = 16;
export const NONCE_SUFFIX_LENGTH = 4;

/** Where the parts of an rtpsize packet sit: [0,clear) AAD · [clear,tagStart) ciphertext · tag · suffix. */
export interface RtpsizeLayout {
  readonly clearHeaderLength: number;
  readonly ciphertextEnd: number;
  readonly suffixStart: number;
}

/** Layout of an encrypted rtpsize packet of `length` bytes with `clearHeaderLength` clear bytes, or a reason. */
export function rtpsizeLayout(length: number, clearHeaderLength: number): DecodeResult<RtpsizeLayout> {
  if (length < clearHeaderLength + AEAD_TAG_LENGTH + NONCE_SUFFIX_LENGTH) {
    return fail(`packet of ${length} bytes is too short for a ${clearHeaderLength}-byte header, tag and nonce suffix`);
  }
  const suffixStart = length - NONCE_SUFFIX_LENGTH;
  return ok({ clearHeaderLength, ciphertextEnd: suffixStart - AEAD_TAG_LENGTH, suffixStart });
}

/**
 * After transport decryption (§10.2 steps 6–7): drop RTP padding (when P is set, the last plaintext byte
 * counts the padding bytes, itself included), then the extension body (4·extensionLength bytes).
 * Returns a view of the payload (Opus, or a DAVE frame).
 */
export function stripRtpPlaintext(plaintext: Uint8Array, padding: boolean, extensionLength: number): DecodeResult<Uint8Array> {
  let end = plaintext.length;
  if (padding) {
    if (end === 0) return fail('padding bit set on an empty payload');
    const n = plaintext[end - 1] as number;
    if (n === 0 || n > end) return fail(`invalid RTP padding count ${n} for ${end} bytes`);
    end -= n;
  }
  const start = 4 * extensionLength;
  if (start > end) return fail(`extension body of ${start} bytes exceeds the ${end}-byte plaintext`);
  return ok(plaintext.subarray(start, end));
}

/** Sequence-number distance a→b in the 16-bit space, in (-32768, 32768]. */
export function sequenceDelta(a: number, b: number): number {
  const d = (b - a) & 0xffff;
  return d > 0x8000 ? d - 0x10000 : d;
}
