/**
 * Waiting in tests for the event or state they need, never for a fixed time: `until(pred)` checks a condition
 * every few milliseconds and fails with what it waited for once its bound passes (every wait is bounded).
 */

/** Resolves once `pred()` holds; rejects after `timeoutMs` naming `what` it waited for. */
export async function until(pred: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!pred()) {
    if (performance.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * Waits `ms`. Only for tests where time itself is the subject (a resource read long after it was made, a
 * timeout that must pass); a wait for something to happen is until().
 */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
