/**
 * The send path (docs/protocol.md §9.1, §9.5, §10.2, §12): RTP sequence/timestamp counters from random initial
 * values, the 32-bit nonce-suffix counter that wraps, sealing, and the five-frame silence tail on stop.
 */
import { writeOpusRtpHeader, OPUS_FRAME_MS, OPUS_FRAME_SAMPLES, RTP_FIXED_HEADER_LENGTH } from '../rtp/header.js';
import { RTPSIZE_OVERHEAD, type TransportCipher } from '../crypto/packet.js';
import { OPUS_SILENCE_FRAME, SILENCE_FRAMES_ON_STOP } from '../speaking.js';

/** Largest Opus frame accepted (RFC 6716 §3.4: 1275 bytes for one 20 ms frame, plus the TOC). */
export const MAX_OPUS_FRAME = 1276;

/**
 * Packets are carved from slabs, as Node's Buffer pool does: one allocation per slab instead of one backing store
 * (a malloc and a sweep) per packet. A packet owns its region for good — a slab is never written again once used
 * up, and is freed when the last packet cut from it is — so a transport may keep a packet as long as it needs.
 *
 * One slab serves every sender of the process (of this module instance). With one slab per sender, a slab lived
 * about a second at 50 packets/s, outlived the young generation and was promoted, so each connection fed the
 * old space and brought major collections; shared, a slab fills within milliseconds when many streams send and dies
 * young. Nothing else is shared: a region is never handed out twice.
 */
const SLAB_BYTES = 16 * 1024;
let slab = new Uint8Array(0);
let slabUsed = 0;

/** A zeroed region of `length` bytes for one packet (8-byte aligned, so the next one starts aligned too). */
function takePacket(length: number): Uint8Array {
  if (slabUsed + length > slab.length) {
    slab = new Uint8Array(Math.max(SLAB_BYTES, length));
    slabUsed = 0;
  }
  const packet = slab.subarray(slabUsed, slabUsed + length);
  slabUsed = (slabUsed + length + 7) & ~7;
  return packet;
}

export class MediaSender {
  sequence: number;
  timestamp: number;
  private nonce: number;
  private silenceLeft = 0;
  private silenceAt: number | null = null;
  packetsSent = 0;

  constructor(random: () => number, readonly ssrc: number) {
    this.sequence = Math.floor(random() * 0x10000) & 0xffff;
    this.timestamp = Math.floor(random() * 0x100000000) >>> 0;
    this.nonce = 0;
  }

  /** Builds and seals the next packet for `opus`; advances the counters. */
  packet(cipher: TransportCipher, opus: Uint8Array): Uint8Array {
    const packet = takePacket(RTP_FIXED_HEADER_LENGTH + opus.length + RTPSIZE_OVERHEAD);
    writeOpusRtpHeader(packet, 0, this.sequence, this.timestamp, this.ssrc);
    packet.set(opus, RTP_FIXED_HEADER_LENGTH);
    this.nonce = (this.nonce + 1) >>> 0;
    cipher.sealInPlace(packet, RTP_FIXED_HEADER_LENGTH, opus.length, this.nonce);
    this.sequence = (this.sequence + 1) & 0xffff;
    this.timestamp = (this.timestamp + OPUS_FRAME_SAMPLES) >>> 0;
    this.packetsSent++;
    return packet;
  }

  /** Starts the silence tail: five silence frames paced 20 ms apart, the first one now. */
  startSilenceTail(now: number): void {
    this.silenceLeft = SILENCE_FRAMES_ON_STOP;
    this.silenceAt = now;
  }

  cancelSilenceTail(): void {
    this.silenceLeft = 0;
    this.silenceAt = null;
  }

  get silenceTailActive(): boolean {
    return this.silenceAt !== null;
  }

  deadline(): number | null {
    return this.silenceAt;
  }

  /**
   * When the tail is due: the silence frame to send, and whether it was the last one (then speaking 0 follows).
   */
  dueSilence(now: number): { frame: Uint8Array; last: boolean } | null {
    if (this.silenceAt === null || now < this.silenceAt) return null;
    this.silenceLeft--;
    const last = this.silenceLeft <= 0;
    this.silenceAt = last ? null : this.silenceAt + OPUS_FRAME_MS;
    return { frame: OPUS_SILENCE_FRAME, last };
  }
}
