import fc from 'fast-check';
import { describe, it } from 'vitest';
import { properties } from './properties.js';

const numRuns = Number(process.env.FC_NUM_RUNS ?? 300);

describe('codec properties', () => {
  for (const p of properties) {
    it(`${p.codec}: ${p.name}`, () => {
      fc.assert(p.property as fc.IProperty<unknown>, { numRuns });
    });
  }
});
