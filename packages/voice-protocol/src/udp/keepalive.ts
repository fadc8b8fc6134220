/**
 * UDP keepalive (docs/protocol.md §8.2): undocumented but needed so Discord keeps forwarding audio to a
 * quiet client. 8 bytes: u32 little-endian counter, then four zero bytes. Sent every 5 s.
 */
import { outputBuffer } from '../bytes.js';

export const UDP_KEEPALIVE_LENGTH = 8;
export const UDP_KEEPALIVE_INTERVAL_MS = 5000;

export function encodeUdpKeepalive(counter: number, out?: Uint8Array, offset = 0): Uint8Array {
  const b = outputBuffer(UDP_KEEPALIVE_LENGTH, out, offset);
  const c = counter >>> 0;
  b[offset] = c & 0xff;
  b[offset + 1] = (c >>> 8) & 0xff;
  b[offset + 2] = (c >>> 16) & 0xff;
  b[offset + 3] = c >>> 24;
  b[offset + 4] = 0;
  b[offset + 5] = 0;
  b[offset + 6] = 0;
  b[offset + 7] = 0;
  return b.subarray(offset, offset + UDP_KEEPALIVE_LENGTH);
}
