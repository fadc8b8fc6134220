/**
 * Demuxed frames waiting to be played, kept as (buffer, offset, length) in a ring instead of as view objects.
 *
 * A demuxer turns a 64 KiB chunk into a few hundred frames at once, and a stream plays them over seconds. Kept as
 * `Uint8Array` views, each of those objects outlived the young generation and was promoted, so every stream fed
 * the old space with garbage and brought major collections. Here a frame's view is made when it is taken and dies
 * young; what waits is three array slots, reused by the next chunk. The bytes are not copied.
 */
export class FrameQueue {
  private buffers: (ArrayBufferLike | null)[];
  private offsets: number[];
  private lengths: number[];
  private head = 0;
  private count = 0;

  constructor(capacity = 256) {
    this.buffers = new Array<ArrayBufferLike | null>(capacity).fill(null);
    this.offsets = new Array<number>(capacity).fill(0);
    this.lengths = new Array<number>(capacity).fill(0);
  }

  /** Frames waiting. */
  get size(): number {
    return this.count;
  }

  /** Queues `frames` (views into buffers that are never written again). */
  add(frames: readonly Uint8Array[]): void {
    if (this.count + frames.length > this.buffers.length) this.grow(this.count + frames.length);
    const cap = this.buffers.length;
    for (let i = 0; i < frames.length; i++) {
      const f = frames[i] as Uint8Array;
      const at = (this.head + this.count) % cap;
      this.buffers[at] = f.buffer;
      this.offsets[at] = f.byteOffset;
      this.lengths[at] = f.length;
      this.count++;
    }
  }

  /** The oldest frame, or undefined when none waits. */
  shift(): Uint8Array | undefined {
    if (this.count === 0) return undefined;
    const at = this.head;
    const frame = new Uint8Array(this.buffers[at] as ArrayBufferLike, this.offsets[at], this.lengths[at]);
    this.buffers[at] = null; // the chunk is freed once its last frame is taken
    this.head = (at + 1) % this.buffers.length;
    this.count--;
    return frame;
  }

  clear(): void {
    this.buffers.fill(null);
    this.head = 0;
    this.count = 0;
  }

  private grow(needed: number): void {
    let cap = this.buffers.length * 2;
    while (cap < needed) cap *= 2;
    const buffers = new Array<ArrayBufferLike | null>(cap).fill(null);
    const offsets = new Array<number>(cap).fill(0);
    const lengths = new Array<number>(cap).fill(0);
    for (let i = 0; i < this.count; i++) {
      const from = (this.head + i) % this.buffers.length;
      buffers[i] = this.buffers[from] as ArrayBufferLike | null;
      offsets[i] = this.offsets[from] as number;
      lengths[i] = this.lengths[from] as number;
    }
    this.buffers = buffers;
    this.offsets = offsets;
    this.lengths = lengths;
    this.head = 0;
  }
}
