import { defineConfig } from 'vitest/config';

// `npm run test:fuzz`: the fuzz files with the full counts (FUZZ_RUNS payloads through the core,
// FUZZ_MQTT_PAYLOADS over real MQTT), one file at a time; `npm test` runs the same files bounded.
// No `root` from import.meta.url: vitest bundles this file next to the real node_modules, which in a git
// worktree is a symlink to the main checkout's, so that root ran the main checkout's tests and service.
// The root is the working directory, as for the other configs.
export default defineConfig({
  test: {
    include: ['tests/fuzz/**/*.test.ts'],
    environment: 'node',
    fileParallelism: false,
    testTimeout: 4 * 3_600_000,
    hookTimeout: 180_000,
  },
});
