/** The Ogg page checksum (RFC 3533 §6): CRC-32, polynomial 0x04C11DB7, initial 0, not reflected. */
const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i << 24;
    for (let j = 0; j < 8; j++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
    t[i] = r >>> 0;
  }
  return t;
})();

export function oggCrc(bytes: Uint8Array): number {
  let crc = 0;
  for (let i = 0; i < bytes.length; i++) crc = ((crc << 8) ^ (TABLE[((crc >>> 24) ^ (bytes[i] as number)) & 0xff] as number)) >>> 0;
  return crc;
}

/** The checksum of a whole page as RFC 3533 defines it: with its own CRC field (bytes 22–25) taken as zero, no copy. */
export function oggPageCrc(page: Uint8Array): number {
  let crc = 0;
  for (let i = 0; i < page.length; i++) {
    const b = i >= 22 && i < 26 ? 0 : (page[i] as number);
    crc = ((crc << 8) ^ (TABLE[((crc >>> 24) ^ b) & 0xff] as number)) >>> 0;
  }
  return crc;
}
