import { defineConfig } from 'vitest/config';
import SummaryLineReporter from './test/reporter.js';

/** npm run test:chaos: the long fault-injection suites (real processes killed and restarted). */
export default defineConfig({
  test: {
    include: ['test/chaos/**/*.test.ts'],
    globalSetup: ['test/globalSetup.ts'],
    reporters: ['default', new SummaryLineReporter()],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 60_000,
  },
});
