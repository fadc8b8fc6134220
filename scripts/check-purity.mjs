#!/usr/bin/env node
// Fails when the pure protocol core reaches for I/O, a clock, randomness or a Node API
// (ARCHITECTURE.md: voice-protocol imports nothing at all). Usage: check-purity.mjs DIR…
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

export const FORBIDDEN = [
  [/\bfrom\s+['"](?!\.)[^'"]+['"]/, 'imports a package (the core has no dependencies; use relative imports only)'],
  [/\bimport\s*\(\s*['"](?!\.)/, 'dynamically imports a package'],
  [/\bimport\s+['"](?!\.)/, 'imports a package for its side effects'],
  [/\brequire\s*\(/, 'uses require()'],
  [/\bBuffer\b/, 'uses Buffer (use Uint8Array)'],
  [/\b(setTimeout|setInterval|setImmediate|queueMicrotask)\s*\(/, 'schedules work (the driver owns timers)'],
  [/\bDate\.now\s*\(|\bnew Date\s*\(/, 'reads the clock (take `now` as an input)'],
  [/\bperformance\./, 'reads the clock (take `now` as an input)'],
  [/\bMath\.random\s*\(/, 'draws randomness (use the injected config.random)'],
  [/\bcrypto\.getRandomValues\b/, 'draws randomness (use the injected config.random)'],
  [/\bprocess\./, 'uses process'],
  [/\b(globalThis|window|self)\.(fetch|WebSocket)\b|\bnew WebSocket\s*\(|\bfetch\s*\(/, 'does I/O'],
];

function stripComments(src) {
  return src.replace(/\/\*[\s\S]*?\*\//g, (m) => m.replace(/[^\n]/g, ' ')).replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

export function checkSource(text) {
  const hits = [];
  const lines = stripComments(text).split('\n');
  lines.forEach((line, i) => {
    for (const [re, why] of FORBIDDEN) if (re.test(line)) hits.push({ line: i + 1, text: line.trim(), why });
  });
  return hits;
}

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (/\.(ts|mts|js|mjs)$/.test(name) && !/\.(test|spec)\.|\.d\.ts$/.test(name)) out.push(p);
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dirs = process.argv.slice(2);
  let bad = 0;
  for (const dir of dirs) {
    for (const file of walk(dir)) {
      for (const h of checkSource(readFileSync(file, 'utf8'))) {
        bad++;
        console.error(`${relative(process.cwd(), file)}:${h.line}: ${h.why}\n    ${h.text}`);
      }
    }
  }
  if (bad) {
    console.error(`\n${bad} purity violation(s): voice-protocol must stay free of I/O, clocks, randomness and Node APIs.`);
    process.exit(1);
  }
  console.log(`purity: ${dirs.join(', ')} clean`);
}
