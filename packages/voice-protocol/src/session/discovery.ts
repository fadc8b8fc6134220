/** IP discovery over UDP (docs/protocol.md §8.1): the request is resent until a response or the attempt limit. */
export class IpDiscovery {
  private nextAt: number | null = null;
  private sent = 0;
  private startedAt = 0;
  rttMs: number | null = null;

  constructor(private readonly retryMs: number, private readonly maxAttempts: number) {}

  start(now: number): void {
    this.sent = 0;
    this.nextAt = now;
    this.startedAt = now;
  }

  stop(): void {
    this.nextAt = null;
  }

  deadline(): number | null {
    return this.nextAt;
  }

  /** 'send' to (re)send the request, 'failed' when every attempt went unanswered. */
  due(now: number): 'send' | 'failed' | null {
    if (this.nextAt === null || now < this.nextAt) return null;
    if (this.sent >= this.maxAttempts) {
      this.nextAt = null;
      return 'failed';
    }
    this.sent++;
    if (this.sent === 1) this.startedAt = now;
    this.nextAt = now + this.retryMs;
    return 'send';
  }

  answered(now: number): void {
    this.rttMs = now - this.startedAt;
    this.nextAt = null;
  }

  get active(): boolean {
    return this.nextAt !== null;
  }
}
