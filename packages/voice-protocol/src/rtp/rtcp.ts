/**
 * RTCP recognition (docs/protocol.md §8.3, §9.6). Under the rtpsize modes an RTCP packet keeps an 8-byte
 * clear header (common header + sender SSRC) as AAD; the rest is encrypted.
 */
import { readU16, readU32 } from '../bytes.js';
import { fail, ok, type DecodeResult } from '../result.js';

export const RTCP_CLEAR_HEADER_LENGTH = 8;

export const RtcpPacketType = {
  SenderReport: 200,
  ReceiverReport: 201,
  SourceDescription: 202,
  Goodbye: 203,
  ApplicationDefined: 204,
  TransportFeedback: 205,
  PayloadFeedback: 206,
} as const;

export function isRtcpPacketType(pt: number): boolean {
  return pt >= 192 && pt <= 223;
}

export interface RtcpHeader {
  readonly padding: boolean;
  readonly count: number;
  readonly packetType: number;
  /** Length field: packet length in 32-bit words minus one. */
  readonly length: number;
  readonly senderSsrc: number;
}

export function decodeRtcpHeader(b: Uint8Array): DecodeResult<RtcpHeader> {
  if (b.length < RTCP_CLEAR_HEADER_LENGTH) return fail('RTCP packet shorter than 8 bytes');
  const b0 = b[0] as number;
  if (b0 >>> 6 !== 2) return fail(`RTCP version ${b0 >>> 6} is not 2`);
  const packetType = b[1] as number;
  if (!isRtcpPacketType(packetType)) return fail(`packet type ${packetType} is not RTCP`);
  return ok({ padding: (b0 & 0x20) !== 0, count: b0 & 0x1f, packetType, length: readU16(b, 2), senderSsrc: readU32(b, 4) });
}
