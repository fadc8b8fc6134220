import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The drop-in's own tests, and the bot suite (test/bot.test.ts) with '@discordjs/voice' resolved to this package:
// the same file runs unchanged against @discordjs/voice in vitest.djs.config.ts.
export default defineConfig({
  resolve: { alias: { '@discordjs/voice': fileURLToPath(new URL('./src/index.ts', import.meta.url)) } },
  test: {
    name: '@voicewire/discordjs',
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
  },
});
