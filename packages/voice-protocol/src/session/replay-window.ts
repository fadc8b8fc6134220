/**
 * Replay protection for received RTP (docs/protocol.md, transport encryption): the rtpsize modes carry a 32-bit
 * nonce suffix that the sender increments for every packet, and the AEAD tag authenticates it, so a packet that
 * opens with a nonce already seen (or one far behind the newest) is a replay. One window per SSRC, like the
 * anti-replay window of SRTP (RFC 3711 §3.3.2), sized for a server whose counter is shared by every SSRC it
 * relays to this client (per SSRC the nonces then climb in steps of the number of speakers).
 *
 * Receivers copy the suffix verbatim and never rely on how a sender writes its counter; senders seen in the
 * wild write it big-endian, but one capture of a Discord client looked little-endian. So the byte order is
 * learnt per SSRC from the first two packets (the reading in which they are closer), never assumed.
 */

/** Nonces this far behind the newest one of an SSRC are treated as replays. A power of two. */
export const REPLAY_WINDOW = 4096;
const MASK = REPLAY_WINDOW - 1;

const swap = (x: number): number => (((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24)) >>> 0;
const distance = (a: number, b: number): number => {
  const d = (b - a) >>> 0;
  return Math.min(d, 2 ** 32 - d);
};

export class ReplayWindow {
  /** The first suffix, until the second one tells the byte order of the sender's counter. */
  private first: number | null = null;
  private littleEndian: boolean | null = null;
  private newest = -1;
  /** Bit `nonce mod REPLAY_WINDOW`: seen, for the nonces in (newest − REPLAY_WINDOW, newest]. */
  private readonly seen = new Uint32Array(REPLAY_WINDOW / 32);

  /**
   * Records `suffix` (the 4 suffix bytes read as a big-endian u32) and returns true when it is new; false for a
   * replay or a nonce too old to tell.
   */
  accept(suffix: number): boolean {
    if (this.littleEndian === null) {
      if (this.first === null) {
        this.first = suffix;
        return true;
      }
      if (suffix === this.first) return false;
      this.littleEndian = distance(swap(this.first), swap(suffix)) < distance(this.first, suffix);
      this.record(this.littleEndian ? swap(this.first) : this.first);
    }
    return this.record(this.littleEndian ? swap(suffix) : suffix);
  }

  private record(nonce: number): boolean {
    if (this.newest < 0 || nonce > this.newest) {
      const ahead = this.newest < 0 ? REPLAY_WINDOW : nonce - this.newest;
      if (ahead >= REPLAY_WINDOW) this.seen.fill(0);
      else for (let k = 1; k <= ahead; k++) this.clear(this.newest + k);
      this.newest = nonce;
      this.mark(nonce);
      return true;
    }
    if (this.newest - nonce >= REPLAY_WINDOW) return false;
    const i = nonce & MASK;
    if (((this.seen[i >>> 5] as number) & (1 << (i & 31))) !== 0) return false;
    this.mark(nonce);
    return true;
  }

  private mark(nonce: number): void {
    const i = nonce & MASK;
    this.seen[i >>> 5] = (this.seen[i >>> 5] as number) | (1 << (i & 31));
  }

  private clear(nonce: number): void {
    const i = nonce & MASK;
    this.seen[i >>> 5] = (this.seen[i >>> 5] as number) & ~(1 << (i & 31));
  }
}
