import { defineConfig } from 'vitest/config';

// One vitest configuration for the monorepo: each package and app is a project, tests run from source.
export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*', 'packages/discordjs/vitest.djs.config.ts'],
  },
});
