/**
 * A per-SSRC reordering buffer (pure, bounded): packets go in as they arrive and come out in sequence order.
 * A gap is waited for until either `maxDepth` later packets are held or the oldest held packet has waited
 * `maxWaitMs`; then the gap is reported as lost and playout moves on. Packets older than the playout point
 * are late and dropped. Sequence numbers are 16-bit and wrap (docs/protocol.md §9.1).
 */
import { sequenceDelta } from '../rtp/header.js';

export type ReorderOutput =
  | { readonly kind: 'frame'; readonly sequence: number; readonly timestamp: number; readonly payload: Uint8Array }
  | { readonly kind: 'gap'; readonly fromSequence: number; readonly count: number };

interface Held {
  readonly sequence: number;
  readonly timestamp: number;
  readonly payload: Uint8Array;
  readonly arrivedAt: number;
}

/** A jump of more than this many sequence numbers is a new stream (e.g. the sender restarted), not loss. */
const RESYNC_DISTANCE = 1000;

export class ReorderBuffer {
  private expected: number | null = null;
  private readonly held = new Map<number, Held>();
  late = 0;
  lost = 0;

  constructor(private readonly maxDepth: number, private readonly maxWaitMs: number) {}

  push(sequence: number, timestamp: number, payload: Uint8Array, now: number, out: ReorderOutput[]): void {
    if (this.expected === null) this.expected = sequence;
    const d = sequenceDelta(this.expected, sequence);
    if (d < 0 || this.held.has(sequence)) {
      if (d < -RESYNC_DISTANCE) {
        this.resync(sequence, out);
      } else {
        this.late++;
        return;
      }
    } else if (d > RESYNC_DISTANCE) {
      this.resync(sequence, out);
    }
    this.held.set(sequence, { sequence, timestamp, payload, arrivedAt: now });
    this.drain(out);
    while (this.held.size > this.maxDepth) this.skipGap(out);
  }

  /** Releases what has waited long enough. */
  timeout(now: number, out: ReorderOutput[]): void {
    let d = this.deadline();
    while (d !== null && now >= d) {
      this.skipGap(out);
      d = this.deadline();
    }
  }

  deadline(): number | null {
    let oldest: number | null = null;
    for (const h of this.held.values()) if (oldest === null || h.arrivedAt < oldest) oldest = h.arrivedAt;
    return oldest === null ? null : oldest + this.maxWaitMs;
  }

  get size(): number {
    return this.held.size;
  }

  private drain(out: ReorderOutput[]): void {
    for (;;) {
      const h = this.held.get(this.expected as number);
      if (!h) return;
      this.held.delete(h.sequence);
      out.push({ kind: 'frame', sequence: h.sequence, timestamp: h.timestamp, payload: h.payload });
      this.expected = (h.sequence + 1) & 0xffff;
    }
  }

  /** Declares the packets between the playout point and the nearest held packet lost, then drains. */
  private skipGap(out: ReorderOutput[]): void {
    if (this.held.size === 0 || this.expected === null) return;
    let nearest = Infinity;
    for (const s of this.held.keys()) nearest = Math.min(nearest, sequenceDelta(this.expected, s));
    if (nearest > 0) {
      out.push({ kind: 'gap', fromSequence: this.expected, count: nearest });
      this.lost += nearest;
      this.expected = (this.expected + nearest) & 0xffff;
    }
    this.drain(out);
  }

  private resync(sequence: number, out: ReorderOutput[]): void {
    // Flush what is held, in order, then restart the playout point at the new stream.
    while (this.held.size > 0) this.skipGap(out);
    this.expected = sequence;
  }
}
