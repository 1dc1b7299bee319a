import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// `npm run test:fuzz`: the fuzz files with the full counts (FUZZ_RUNS payloads through the core,
// FUZZ_MQTT_PAYLOADS over real MQTT), one file at a time; `npm test` runs the same files bounded.
export default defineConfig({
  test: {
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['tests/fuzz/**/*.test.ts'],
    environment: 'node',
    fileParallelism: false,
    testTimeout: 4 * 3_600_000,
    hookTimeout: 180_000,
  },
});
