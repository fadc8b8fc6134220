import { afterAll, beforeAll, describe, it } from 'vitest';
import { transportConformance } from '@voicewire/testkit';
import { startEchoFixtures, type RunningFixtures } from '@voicewire/testkit/node';
import { nodeTransport } from '../src/index.js';

let fixtures: RunningFixtures;
beforeAll(async () => {
  fixtures = await startEchoFixtures();
});
afterAll(() => fixtures.close());

describe('transport conformance: node', () => {
  for (const c of transportConformance(nodeTransport, () => fixtures)) it(c.name, c.run, 15_000);
});
