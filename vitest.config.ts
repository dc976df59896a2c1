import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    reporters: ['default', './test/support/backend-reporter.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // 2-core CI: two workers keep both cores busy without thrashing SQLite files and PostgreSQL.
    maxWorkers: 2,
  },
});
