import fc from 'fast-check';
import { describe, it } from 'vitest';
import { properties } from '../test/properties.js';

const numRuns = Number(process.env.FUZZ_RUNS ?? 1_000_000);
const seed = Number(process.env.FUZZ_SEED ?? 1);
const filter = process.env.FUZZ_FILTER;

describe(`codec fuzzing (${numRuns} runs per property, seed ${seed})`, () => {
  for (const p of properties) {
    if (filter && !p.codec.includes(filter)) continue;
    it(`${p.codec}: ${p.name}`, () => {
      const t0 = Date.now();
      fc.assert(p.property as fc.IProperty<unknown>, { numRuns, seed });
      console.log(`${p.codec}: ${p.name}: ${numRuns} runs in ${((Date.now() - t0) / 1000).toFixed(1)}s (seed ${seed})`);
    });
  }
});
