/**
 * Voice gateway heartbeating, v8 (docs/protocol.md §5): op 3 `{t, seq_ack}` every `heartbeat_interval` ms from
 * Hello; the ACK echoes `t` and gives the round trip. After `missLimit` heartbeats in a row without an ACK
 * the connection is declared lost (the session then closes the socket and resumes).
 */
export class Heartbeat {
  private intervalMs = 0;
  private nextAt: number | null = null;
  private pendingT: number | null = null;
  private pendingSentAt = 0;
  private lastT = -1;
  private missedInARow = 0;
  rttMs: number | null = null;
  totalMissed = 0;

  constructor(private readonly missLimit: number) {}

  start(intervalMs: number, now: number): void {
    this.intervalMs = intervalMs;
    this.nextAt = now + intervalMs;
    this.pendingT = null;
    this.missedInARow = 0;
  }

  stop(): void {
    this.nextAt = null;
    this.pendingT = null;
    this.missedInARow = 0;
  }

  get running(): boolean {
    return this.nextAt !== null;
  }

  deadline(): number | null {
    return this.nextAt;
  }

  /**
   * Called when the deadline is reached. Returns 'lost' when too many ACKs are missing, else the `t` to send.
   * `t` is the send time in ms, made unique when two heartbeats fall in the same millisecond.
   */
  due(now: number): { kind: 'send'; t: number } | { kind: 'lost' } | null {
    if (this.nextAt === null || now < this.nextAt) return null;
    if (this.pendingT !== null) {
      this.missedInARow++;
      this.totalMissed++;
      if (this.missedInARow >= this.missLimit) {
        this.stop();
        return { kind: 'lost' };
      }
    }
    return { kind: 'send', t: this.sendNow(now) };
  }

  /** Sends at once (the server asked with op 3); the regular schedule continues from now. */
  sendNow(now: number): number {
    const t = Math.max(Math.floor(now), this.lastT + 1);
    this.lastT = t;
    this.pendingT = t;
    this.pendingSentAt = now;
    this.nextAt = now + this.intervalMs;
    return t;
  }

  /** Returns true when the ACK matches the outstanding heartbeat. */
  ack(t: number, now: number): boolean {
    if (this.pendingT === null || t !== this.pendingT) return false;
    this.rttMs = Math.max(0, now - this.pendingSentAt);
    this.pendingT = null;
    this.missedInARow = 0;
    return true;
  }
}
