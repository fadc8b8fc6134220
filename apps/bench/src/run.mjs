#!/usr/bin/env node
// `pnpm bench`: every benchmark on Node (through tsx) and, where Bun is installed, on Bun. Prints tables and
// writes them to apps/bench/results/. Benchmarks never fail on a timing.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const bin = (n) => join(here, '..', '..', '..', 'node_modules', '.bin', n);
const only = process.argv[2];
const suites = ['crypto', 'send', 'scale', 'perf', 'stages', 'heap', 'mix', 'slab', 'udp'].filter((s) => !only || s === only).filter((s) => existsSync(join(here, `${s}.ts`)));
let status = 0;
for (const suite of suites) {
  const file = join(here, `${suite}.ts`);
  console.log(`\n# ${suite} on Node`);
  status |= spawnSync(bin('tsx'), [file], { stdio: 'inherit' }).status ?? 1;
  if (existsSync(bin('bun')) && (suite === 'crypto' || suite === 'mix' || suite === 'stages')) {
    console.log(`\n# ${suite} on Bun`);
    status |= spawnSync(bin('bun'), [file], { stdio: 'inherit' }).status ?? 1;
  }
}
process.exit(status);
