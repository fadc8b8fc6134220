import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The tests that judge mutants of the protocol core (`npm run mutate`): the core's own tests and the testkit's
// session, crypto-conformance and hostile-server suites, in one project so Stryker's per-test coverage works.
// The alias sends every import of the core (testkit, the emulator core, the providers) to this tree's source,
// which in Stryker's sandbox is the instrumented copy.
export default defineConfig({
  resolve: {
    alias: { '@voicewire/voice-protocol': fileURLToPath(new URL('./packages/voice-protocol/src/index.ts', import.meta.url)) },
  },
  test: {
    include: ['packages/voice-protocol/test/**/*.test.ts', 'packages/testkit/test/**/*.test.ts'],
    // portable: runs the suite in other runtimes; purity: instrumented code is impure by construction
    exclude: ['**/portable.test.ts', '**/purity.test.ts'],
    testTimeout: 60_000,
  },
});
