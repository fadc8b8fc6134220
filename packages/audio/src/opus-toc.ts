/** Duration of an Opus packet from its TOC byte (RFC 6716 §3.1), in units of 0.1 ms, or -1 when malformed. */
const FRAME_TENTHS = [
  // SILK-only configs 0–11: 10, 20, 40, 60 ms
  100, 200, 400, 600, 100, 200, 400, 600, 100, 200, 400, 600,
  // Hybrid 12–15: 10, 20 ms
  100, 200, 100, 200,
  // CELT-only 16–31: 2.5, 5, 10, 20 ms
  25, 50, 100, 200, 25, 50, 100, 200, 25, 50, 100, 200, 25, 50, 100, 200,
];

export function opusPacketDurationTenthsMs(packet: Uint8Array): number {
  if (packet.length === 0) return -1;
  const toc = packet[0] as number;
  const frame = FRAME_TENTHS[toc >> 3] as number;
  const code = toc & 3;
  if (code === 0) return frame;
  if (code === 1 || code === 2) return frame * 2;
  if (packet.length < 2) return -1;
  const count = (packet[1] as number) & 0x3f;
  return count === 0 ? -1 : frame * count;
}

/** True for a packet of exactly 20 ms, the only frame size Discord voice carries. */
export function isTwentyMsPacket(packet: Uint8Array): boolean {
  return opusPacketDurationTenthsMs(packet) === 200;
}
