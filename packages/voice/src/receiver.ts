/**
 * Per-user received audio as async iterables. Each subscription has a bounded queue: when the consumer falls
 * behind, the oldest frames are dropped and counted rather than growing memory without limit.
 */
export interface ReceivedFrame {
  readonly userId: string;
  readonly ssrc: number;
  readonly sequence: number;
  /** RTP timestamp (48 kHz): consecutive frames differ by 960; a larger step means lost frames. */
  readonly timestamp: number;
  readonly opus: Uint8Array;
}

export interface AudioSubscription extends AsyncIterableIterator<ReceivedFrame> {
  /** Frames dropped because the consumer was slower than the queue allowed. */
  readonly dropped: number;
  close(): void;
}

class Subscription implements AudioSubscription {
  private readonly queue: ReceivedFrame[] = [];
  private waiting: ((r: IteratorResult<ReceivedFrame>) => void) | null = null;
  private ended = false;
  dropped = 0;

  constructor(private readonly maxQueue: number, private readonly onClose: () => void) {}

  push(frame: ReceivedFrame): void {
    if (this.ended) return;
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = null;
      w({ value: frame, done: false });
      return;
    }
    this.queue.push(frame);
    if (this.queue.length > this.maxQueue) {
      this.queue.shift();
      this.dropped++;
    }
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = null;
      w({ value: undefined, done: true });
    }
  }

  next(): Promise<IteratorResult<ReceivedFrame>> {
    const f = this.queue.shift();
    if (f) return Promise.resolve({ value: f, done: false });
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.waiting = resolve));
  }

  return(): Promise<IteratorResult<ReceivedFrame>> {
    this.close();
    return Promise.resolve({ value: undefined, done: true });
  }

  close(): void {
    this.end();
    this.queue.length = 0;
    this.onClose();
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<ReceivedFrame> {
    return this;
  }
}

export class AudioReceiver {
  private readonly subs = new Map<string, Set<Subscription>>();
  private readonly all = new Set<Subscription>();

  /** Frames from one user, in order, as they arrive. `maxQueue` frames (default 250 = 5 s) are buffered. */
  subscribe(userId: string, options: { maxQueue?: number } = {}): AudioSubscription {
    const s: Subscription = new Subscription(options.maxQueue ?? 250, () => this.subs.get(userId)?.delete(s));
    let set = this.subs.get(userId);
    if (!set) {
      set = new Set();
      this.subs.set(userId, set);
    }
    set.add(s);
    return s;
  }

  /** Frames from everyone. */
  subscribeAll(options: { maxQueue?: number } = {}): AudioSubscription {
    const s: Subscription = new Subscription(options.maxQueue ?? 250, () => this.all.delete(s));
    this.all.add(s);
    return s;
  }

  /** @internal */
  deliver(frame: ReceivedFrame): void {
    const set = this.subs.get(frame.userId);
    if (set) for (const s of set) s.push(frame);
    for (const s of this.all) s.push(frame);
  }

  /** @internal Ends every subscription (the connection was destroyed). */
  endAll(): void {
    for (const set of this.subs.values()) for (const s of set) s.end();
    for (const s of this.all) s.end();
    this.subs.clear();
    this.all.clear();
  }
}
