// The few web-platform globals the core uses. They exist in Node, Bun, Deno, browsers and workers;
// declared here because the core compiles with `types: []` (no DOM, no Node typings) to stay pure.
declare class TextEncoder {
  encode(input?: string): Uint8Array;
}
declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean });
  decode(input?: Uint8Array): string;
}
