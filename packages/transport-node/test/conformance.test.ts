import { afterAll, beforeAll, describe, it } from 'vitest';
import { transportConformance } from '@voicewire/testkit';
import { startEchoFixtures, type RunningFixtures } from '@voicewire/testkit/node';
import { createNodeTransport, nodeTransport } from '../src/index.js';

let fixtures: RunningFixtures;
beforeAll(async () => {
  fixtures = await startEchoFixtures();
});
afterAll(() => fixtures.close());

// The same suite on every UDP mode: the default connected sockets, batched sends, and the shared socket pool.
for (const transport of [nodeTransport, createNodeTransport({ udp: 'batched' }), createNodeTransport({ udp: 'pool' }), createNodeTransport({ udp: 'pool', udpNative: false })]) {
  describe(`transport conformance: ${transport.describe()}`, () => {
    for (const c of transportConformance(transport, () => fixtures)) it(c.name, c.run, 15_000);
  });
}
