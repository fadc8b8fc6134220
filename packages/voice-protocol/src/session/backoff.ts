/**
 * Reconnect policy (docs/protocol.md §6, §7): capped exponential backoff with injected jitter, and a bound on
 * attempts. The first resume after a drop happens at once; later attempts wait.
 */
export interface BackoffConfig {
  readonly baseMs: number;
  readonly maxMs: number;
  readonly maxAttempts: number;
}

export class Backoff {
  attempts = 0;
  private at: number | null = null;

  constructor(private readonly config: BackoffConfig, private readonly random: () => number) {}

  /** Delay before the next attempt, or null when attempts are used up. Full jitter in [delay/2, delay]. */
  next(now: number, immediateFirst: boolean): number | null {
    if (this.attempts >= this.config.maxAttempts) return null;
    const n = this.attempts++;
    if (immediateFirst && n === 0) {
      this.at = now;
      return 0;
    }
    const cap = Math.min(this.config.maxMs, this.config.baseMs * 2 ** Math.min(n, 16));
    const delay = Math.round(cap / 2 + (cap / 2) * this.random());
    this.at = now + delay;
    return delay;
  }

  deadline(): number | null {
    return this.at;
  }

  /** Called when the scheduled attempt starts. */
  fire(): void {
    this.at = null;
  }

  reset(): void {
    this.attempts = 0;
    this.at = null;
  }

  cancel(): void {
    this.at = null;
  }
}
