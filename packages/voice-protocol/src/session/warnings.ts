/**
 * Rate limit for warning events: a server that sends garbage fifty times a second must not produce fifty
 * warnings a second. Per warning code, the first `perWindow` in a window are reported; the rest are counted and
 * the count is reported with the next warning of that code after the window.
 */
export class WarningLimiter {
  private readonly codes = new Map<string, { start: number; count: number; suppressed: number }>();
  /** Warnings not reported, over the session's life. */
  suppressed = 0;

  constructor(private readonly perWindow: number, private readonly windowMs: number) {}

  /** The message to report now (with a count of what was held back, if any), or null to hold it back. */
  admit(code: string, message: string, now: number): string | null {
    const e = this.codes.get(code);
    if (!e || now - e.start >= this.windowMs) {
      const held = e?.suppressed ?? 0;
      this.codes.set(code, { start: now, count: 1, suppressed: 0 });
      return held > 0 ? `${message} (and ${held} more ${code} warnings in the previous ${this.windowMs / 1000} s)` : message;
    }
    if (e.count < this.perWindow) {
      e.count++;
      return message;
    }
    e.suppressed++;
    this.suppressed++;
    return null;
  }
}
