import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Oracle tests spawn getfacl, setfacl and the CLI on real trees.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
