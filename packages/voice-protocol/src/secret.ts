/**
 * Values that must never be printed (voice tokens, session ids): held in a private field, so `util.inspect`,
 * `console.log` and `JSON.stringify` of anything that holds one show `[redacted]`, never the value.
 */
const INSPECT = Symbol.for('nodejs.util.inspect.custom');

export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The value itself, for the one place that sends it. */
  reveal(): string {
    return this.#value;
  }

  toJSON(): string {
    return '[redacted]';
  }

  toString(): string {
    return '[redacted]';
  }

  [INSPECT](): string {
    return 'Secret([redacted])';
  }
}

/** Server-supplied text shortened before it goes into a message (a hostile server can send megabytes). */
export function clip(text: unknown, max = 80): string {
  const s = typeof text === 'string' ? text : String(text);
  return s.length <= max ? s : `${s.slice(0, max)}… (${s.length} characters)`;
}
