import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: { include: ['fuzz/**/*.fuzz.ts'], testTimeout: 0, hookTimeout: 0, reporters: ['verbose'] },
});
