import { describe, it } from 'vitest';
import { portableCases } from '../portable/cases.js';

describe('portable core suite (the same cases Bun and Deno run)', () => {
  for (const c of portableCases()) it(c.name, c.run);
});
