#!/usr/bin/env node
// `pnpm fuzz`: every codec property with far more runs (default 1,000,000 each), printing the seed.
//   FUZZ_RUNS=2000000 FUZZ_SEED=123 FUZZ_FILTER=gateway pnpm fuzz
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const seed = process.env.FUZZ_SEED ?? String(Date.now() % 2 ** 31);
const runs = process.env.FUZZ_RUNS ?? '1000000';
console.log(`fuzz: ${runs} runs per property, seed ${seed} (replay with FUZZ_SEED=${seed})`);
const r = spawnSync(join(here, '..', '..', '..', 'node_modules', '.bin', 'tsx'), [join(here, 'codecs.fuzz.ts')], {
  stdio: 'inherit',
  env: { ...process.env, FUZZ_SEED: seed, FUZZ_RUNS: runs },
});
if (r.error) console.error(r.error.message);
process.exit(r.status ?? 1);
