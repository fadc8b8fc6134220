import { defineConfig } from 'vitest/config';

// The bot suite against the real @discordjs/voice 0.19.2 (no alias): what the drop-in must match.
export default defineConfig({
  test: {
    name: 'bot suite on @discordjs/voice',
    root: new URL('.', import.meta.url).pathname,
    include: ['test/bot.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
  },
});
