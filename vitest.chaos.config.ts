import { defineConfig } from 'vitest/config';

// `npm run test:chaos` (tests/chaos/chaos-suite.chaos.ts): the chaos suite and, with TANHE_CHAOS_SOAK=1,
// the soak. Kept out of the default projects (their include is *.test.ts) because a run takes from minutes
// to hours; the bounded form (tests/chaos/chaos-bounded.test.ts) runs in the integration project.
export default defineConfig({
  test: {
    include: ['tests/chaos/**/*.chaos.ts'],
    environment: 'node',
    fileParallelism: false,
    testTimeout: 4 * 3_600_000,
    hookTimeout: 600_000,
  },
});
