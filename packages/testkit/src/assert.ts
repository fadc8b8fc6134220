/** Runtime-neutral assertions so suites run under vitest, Bun and Deno alike. */
import { toHex } from '@voicewire/voice-protocol';

export class AssertionFailed extends Error {
  override name = 'AssertionFailed';
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionFailed(message);
}

export function assertBytes(actual: Uint8Array, expected: Uint8Array, message: string): void {
  if (actual.length !== expected.length || actual.some((x, i) => x !== expected[i])) {
    throw new AssertionFailed(`${message}\n  expected ${toHex(expected)}\n  actual   ${toHex(actual)}`);
  }
}

export function assertThrows(fn: () => unknown, check: (e: unknown) => boolean, message: string): void {
  try {
    fn();
  } catch (e) {
    if (check(e)) return;
    throw new AssertionFailed(`${message}: threw the wrong error: ${String(e)}`);
  }
  throw new AssertionFailed(`${message}: did not throw`);
}
