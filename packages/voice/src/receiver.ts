/**
 * Per-user received audio as async iterables. Each subscription has a bounded queue: when the consumer falls
 * behind, the oldest frames are dropped and counted rather than growing memory without limit.
 */
import type { ReceivedOpusFrame } from '@voicewire/voice-protocol';
/** A received frame (the protocol core's `ReceivedOpusFrame`: one shape of received audio everywhere). */
export type ReceivedFrame = ReceivedOpusFrame;

export interface AudioSubscription extends AsyncIterableIterator<ReceivedFrame> {
  /** Frames dropped because the consumer was slower than the queue allowed. */
  readonly dropped: number;
  /** Why the subscription ended, once it has: 'closed', 'silence', 'inactivity' or 'destroyed'. */
  readonly endReason: SubscriptionEndReason | null;
  close(): void;
}

export type SubscriptionEndReason = 'closed' | 'silence' | 'inactivity' | 'destroyed';

/**
 * When a subscription ends by itself:
 *   manual            only on close() or when the connection is destroyed (the default)
 *   afterSilence      `durationMs` after the user stopped speaking (timer restarts when they speak again)
 *   afterInactivity   `durationMs` after the last frame (counted from the subscription until a first frame)
 */
export type SubscriptionEnd = { readonly behavior: 'manual' } | { readonly behavior: 'afterSilence' | 'afterInactivity'; readonly durationMs: number };

export interface SubscribeOptions {
  /** Frames buffered while the consumer is busy (default 250 = 5 s); beyond, the oldest are dropped and counted. */
  readonly maxQueue?: number;
  readonly end?: SubscriptionEnd;
}

class Subscription implements AudioSubscription {
  private readonly queue: ReceivedFrame[] = [];
  private waiting: ((r: IteratorResult<ReceivedFrame>) => void) | null = null;
  private ended = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  dropped = 0;
  endReason: SubscriptionEndReason | null = null;

  constructor(private readonly maxQueue: number, private readonly onClose: () => void, private readonly endRule: SubscriptionEnd = { behavior: 'manual' }) {
    if (endRule.behavior !== 'manual' && !(endRule.durationMs > 0)) throw new RangeError(`end.durationMs must be a positive number of milliseconds, got ${String(endRule.durationMs)}`);
    if (endRule.behavior === 'afterInactivity') this.arm();
  }

  /** The user started (true) or stopped (false) speaking: drives afterSilence. */
  speaking(speaking: boolean): void {
    if (this.ended || this.endRule.behavior !== 'afterSilence') return;
    if (speaking) this.disarm();
    else this.arm();
  }

  private arm(): void {
    if (this.endRule.behavior === 'manual') return;
    this.disarm();
    const reason = this.endRule.behavior === 'afterSilence' ? 'silence' : 'inactivity';
    this.timer = setTimeout(() => {
      this.timer = null;
      this.finish(reason);
    }, this.endRule.durationMs);
  }

  private disarm(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Ends the stream: what is queued is still delivered, then done. */
  private finish(reason: SubscriptionEndReason): void {
    this.end(reason);
    this.onClose();
  }

  push(frame: ReceivedFrame): void {
    if (this.ended) return;
    if (this.endRule.behavior === 'afterInactivity') this.arm();
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

  end(reason: SubscriptionEndReason = 'destroyed'): void {
    if (this.ended) return;
    this.ended = true;
    this.endReason = reason;
    this.disarm();
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
    this.end('closed');
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
  /** Set when the connection was destroyed: a subscription made afterwards ends at once. */
  private closed = false;

  /**
   * Frames from one user, in order, as they arrive. `end` makes the stream end by itself after the user's
   * silence or inactivity (e.g. `{ behavior: 'afterSilence', durationMs: 1_000 }` for one utterance).
   */
  subscribe(userId: string, options: SubscribeOptions = {}): AudioSubscription {
    const s: Subscription = new Subscription(options.maxQueue ?? 250, () => this.subs.get(userId)?.delete(s), options.end);
    if (this.closed) {
      s.end('destroyed');
      return s;
    }
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
    if (this.closed) {
      s.end('destroyed');
      return s;
    }
    this.all.add(s);
    return s;
  }

  /** @internal A user started or stopped speaking. */
  speaking(userId: string, speaking: boolean): void {
    for (const s of this.subs.get(userId) ?? []) s.speaking(speaking);
  }

  /** @internal */
  deliver(frame: ReceivedFrame): void {
    const set = this.subs.get(frame.userId);
    if (set) for (const s of set) s.push(frame);
    for (const s of this.all) s.push(frame);
  }

  /** @internal Ends every subscription (the connection was destroyed). */
  endAll(): void {
    this.closed = true;
    for (const set of this.subs.values()) for (const s of set) s.end();
    for (const s of this.all) s.end();
    this.subs.clear();
    this.all.clear();
  }
}
