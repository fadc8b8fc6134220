// Every codec property with far more runs than the test suite (default 1,000,000 each). Plain script: a
// property may run for minutes, which a test runner's worker would time out on.
import fc from 'fast-check';
import { properties } from '../test/properties.js';

const numRuns = Number(process.env.FUZZ_RUNS ?? 1_000_000);
const seed = Number(process.env.FUZZ_SEED ?? 1);
const filter = process.env.FUZZ_FILTER;
const started = Date.now();
let failures = 0;
for (const p of properties) {
  if (filter && !p.codec.includes(filter)) continue;
  const t0 = Date.now();
  const r = fc.check(p.property as fc.IProperty<unknown>, { numRuns, seed });
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  if (r.failed) {
    failures++;
    console.log(`FAIL ${p.codec}: ${p.name} after ${r.numRuns} runs (${secs}s)\n${fc.defaultReportMessage(r)}`);
  } else console.log(`ok   ${p.codec}: ${p.name}: ${r.numRuns} runs in ${secs}s`);
}
console.log(`fuzz: ${failures === 0 ? 'no escapes' : `${failures} failing properties`} in ${((Date.now() - started) / 1000).toFixed(1)}s (seed ${seed}; replay with FUZZ_SEED=${seed})`);
process.exit(failures === 0 ? 0 : 1);
