/**
 * Deadline pacing for 20 ms frames (docs/protocol.md §9.1: one packet every 20 ms): frame n is due at
 * start + n × 20 ms, so timing never drifts. When the sender falls behind by more than `maxBurst` frames,
 * the schedule restarts from now instead of bursting to catch up. Pure: the caller passes `now`.
 */
export class FramePacer {
  private start: number | null = null;
  private n = 0;
  /** Times the schedule was restarted because the sender fell too far behind. */
  resets = 0;

  constructor(private readonly frameMs = 20, private readonly maxBurst = 3) {}

  /** Milliseconds to wait before sending the next frame (0 when it is due), and advances the schedule. */
  next(now: number): number {
    if (this.start === null) {
      this.start = now;
      this.n = 0;
    }
    let due = this.start + this.n * this.frameMs;
    if (now - due > this.maxBurst * this.frameMs) {
      this.resets++;
      this.start = now;
      this.n = 0;
      due = now;
    }
    this.n++;
    return Math.max(0, due - now);
  }

  reset(): void {
    this.start = null;
    this.n = 0;
  }
}
