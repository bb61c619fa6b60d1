import { defineConfig } from 'vitest/config';
import SummaryLineReporter from './test/reporter.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/chaos/**', 'node_modules/**'],
    globalSetup: ['test/globalSetup.ts'],
    reporters: ['default', new SummaryLineReporter()],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Every answer sent through reply() is parsed with its documented schema (src/http/api.ts).
    env: { FANGXUN_VALIDATE_RESPONSES: '1' },
  },
});
