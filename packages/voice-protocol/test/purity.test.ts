import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: plain ESM script without type declarations
import { checkSource } from '../../../scripts/check-purity.mjs';

const script = fileURLToPath(new URL('../../../scripts/check-purity.mjs', import.meta.url));
const src = fileURLToPath(new URL('../src', import.meta.url));

describe('voice-protocol purity (docs/architecture.md: no I/O, no clock, no randomness, no Node APIs)', () => {
  it('finds nothing in src/', () => {
    const r = spawnSync(process.execPath, [script, src], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('flags each forbidden construct', () => {
    const bad = [
      "import { readFileSync } from 'node:fs';",
      "import WebSocket from 'ws';",
      "const dgram = require('dgram');",
      'const b = Buffer.from([1]);',
      'setTimeout(() => {}, 5);',
      'const t = Date.now();',
      'const r = Math.random();',
      'const p = performance.now();',
      'process.exit(1);',
    ];
    for (const line of bad) expect(checkSource(line).length, line).toBeGreaterThan(0);
    expect(checkSource("import { ok } from './result.js';\n// Date.now() in a comment is fine")).toEqual([]);
  });
});
