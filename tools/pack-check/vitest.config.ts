import { defineConfig } from 'vitest/config';

export const config = defineConfig({
  test: {
    include: ['src/**/*.spec.ts'],
    environment: 'node',
    // npm pack + npm install from the registry + a two-rank training run (about 30 s here) in one hook.
    testTimeout: 240_000,
    hookTimeout: 240_000,
    pool: 'forks',
  },
});

// Vitest loads the config's default export; house style is named exports, so the default is re-exported here only.
export { config as default };
