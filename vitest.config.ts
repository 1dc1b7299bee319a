import { defineConfig } from 'vitest/config';

// Two projects: fast unit tests of the pure cores (next to the code), and the
// tests that cross a process boundary (tests/), which start real Mosquitto and
// QuestDB processes and therefore run one file at a time on a 2-core machine.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: [
            'src/**/*.test.ts',
            'ingest/**/*.test.ts',
            'accounting/**/*.test.ts',
            'alerts/**/*.test.ts',
            'access/**/*.test.ts',
            'periods/**/*.test.ts',
            'config/**/*.test.ts',
          ],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['tests/**/*.test.ts'],
          environment: 'node',
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
