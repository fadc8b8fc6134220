/**
 * The result of every decoder in this package (docs/architecture.md, sans-IO contract rule 5):
 * a value, or a human-readable reason. Decoders never throw on remote input.
 */
export type DecodeResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

export function ok<T>(value: T): DecodeResult<T> {
  return { ok: true, value };
}

export function fail<T = never>(reason: string): DecodeResult<T> {
  return { ok: false, reason };
}
