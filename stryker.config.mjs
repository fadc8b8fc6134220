// Mutation testing of the protocol core (`npm run mutate`, never part of `npm test`): the codecs, the packet
// layout of transport encryption, and the session's sub-machines. Results per file go to the README.
import { fileURLToPath } from 'node:url';

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  // pnpm's isolated node_modules hides the runner from Stryker's own plugin lookup: name it by path.
  plugins: [fileURLToPath(import.meta.resolve('@stryker-mutator/vitest-runner'))],
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts', related: false },
  coverageAnalysis: 'perTest',
  concurrency: 2,
  timeoutMS: 30_000,
  mutate: [
    'packages/voice-protocol/src/gateway/codec.ts',
    'packages/voice-protocol/src/dave/*.ts',
    'packages/voice-protocol/src/rtp/*.ts',
    'packages/voice-protocol/src/udp/*.ts',
    'packages/voice-protocol/src/crypto/packet.ts',
    'packages/voice-protocol/src/bytes.ts',
    'packages/voice-protocol/src/session/{heartbeat,backoff,discovery,reorder-buffer,media-sender,replay-window,warnings,frame-pacer,receiver}.ts',
  ],
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: '.test-results/mutation.json' },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  ignoreStatic: true,
};
