/**
 * The media engine: one 20 ms cycle for every player of the process. Each cycle calls every client once, in the
 * order they joined; a player sends its next frame in it (taken synchronously when buffered) to its connections,
 * which DAVE-encrypt, seal and send it. One timer for the whole process, whatever the number of streams.
 *
 * Pacing and catch-up (FramePacer: cycle n is due at start + n × 20 ms, never drifting): when the timer fires late,
 * the cycles that are due run back to back, at most `maxBurst` behind the grid; further behind, the grid starts
 * again from now (`stats.resets`) instead of bursting a backlog at the listeners. A client that joins during a
 * cycle runs from the next one; one that leaves during a cycle is not called again; a client that throws is
 * counted (`stats.clientErrors`) and the cycle goes on.
 */
import { FramePacer } from '@voicewire/voice-protocol';

/** What the engine drives: a player, or anything that sends one frame per 20 ms. */
export interface CycleClient {
  cycle(now: number): void;
}

/** The engine's clock and timer (real ones by default; tests pass a fake clock). */
export interface EngineTimers {
  now(): number;
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const realTimers: EngineTimers = {
  now: () => performance.now(),
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export interface MediaEngineOptions {
  /** Cycle length (default 20 ms: one Opus frame). */
  readonly periodMs?: number;
  /** Cycles that may run back to back to catch up after a late timer (default 3); further behind, the grid restarts. */
  readonly maxBurst?: number;
  readonly timers?: EngineTimers;
}

export class MediaEngine {
  readonly stats = { cycles: 0, catchUpCycles: 0, clientErrors: 0, resets: 0 };
  /** Clients in join order; a removed one leaves a hole until the cycle ends (no array copy per cycle). */
  private readonly clients: (CycleClient | null)[] = [];
  private readonly index = new Map<CycleClient, number>();
  private holes = 0;
  private timer: unknown = null;
  private readonly pacer: FramePacer;
  private readonly timers: EngineTimers;
  private readonly maxBurst: number;
  private running = false;

  constructor(options: MediaEngineOptions = {}) {
    this.maxBurst = options.maxBurst ?? 3;
    this.pacer = new FramePacer(options.periodMs ?? 20, this.maxBurst);
    this.timers = options.timers ?? realTimers;
  }

  /** Clients now driven. */
  get size(): number {
    return this.index.size;
  }

  now(): number {
    return this.timers.now();
  }

  has(client: CycleClient): boolean {
    return this.index.has(client);
  }

  /** Drives `client` from the next cycle on (the first cycle of an idle engine starts at once). */
  add(client: CycleClient): void {
    if (this.index.has(client)) return;
    this.index.set(client, this.clients.length);
    this.clients.push(client);
    if (this.timer === null && !this.running) {
      this.pacer.reset();
      this.schedule();
    }
  }

  /** Stops driving `client` (also from inside a cycle: it is not called again). */
  remove(client: CycleClient): void {
    const i = this.index.get(client);
    if (i === undefined) return;
    this.index.delete(client);
    this.clients[i] = null;
    this.holes++;
    if (!this.running) this.compact();
    if (this.index.size === 0 && this.timer !== null) {
      this.timers.clear(this.timer);
      this.timer = null;
    }
  }

  private schedule(): void {
    this.timer = this.timers.set(this.fire, this.pacer.next(this.timers.now()));
  }

  private readonly fire = (): void => {
    this.timer = null;
    this.running = true;
    try {
      this.cycle();
      // cycles that are due now (the timer fired late): back to back, bounded by the pacer's burst rule
      for (let extra = 0; this.index.size > 0; extra++) {
        const resets = this.pacer.resets;
        const wait = this.pacer.next(this.timers.now());
        this.stats.resets += this.pacer.resets - resets;
        if (wait > 0 || extra > this.maxBurst) {
          this.timer = this.timers.set(this.fire, wait);
          return;
        }
        this.stats.catchUpCycles++;
        this.cycle();
      }
    } finally {
      this.running = false;
      this.compact();
    }
  };

  private cycle(): void {
    this.stats.cycles++;
    const now = this.timers.now();
    const end = this.clients.length; // a client added during this cycle waits for the next
    for (let i = 0; i < end; i++) {
      const c = this.clients[i];
      if (!c) continue;
      try {
        c.cycle(now);
      } catch {
        this.stats.clientErrors++;
      }
    }
  }

  private compact(): void {
    if (this.holes === 0) return;
    let w = 0;
    for (let r = 0; r < this.clients.length; r++) {
      const c = this.clients[r];
      if (!c) continue;
      this.clients[w] = c;
      this.index.set(c, w);
      w++;
    }
    this.clients.length = w;
    this.holes = 0;
  }
}

/** The engine every player of the process shares unless given its own. */
export const defaultEngine = new MediaEngine();
