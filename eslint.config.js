// Lint: the recommended JS and typescript-eslint rules, plus the project's own few.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'data/**', '**/*.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': ['error', { allow: ['error'] }],
    },
  },
  {
    // Cores are pure (docs/architecture.md): no clock, no environment, no console. Time comes in as a value.
    files: ['**/core/**/*.ts', 'src/kernel/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-globals': [
        'error',
        { name: 'process', message: 'cores take settings as values, not from process' },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'cores take the time as a value (nowMs)' },
        { object: 'Math', property: 'random', message: 'cores are deterministic; take a seeded generator' },
      ],
      'no-console': 'error',
    },
  },
  {
    // CLIs and benchmarks print their results on purpose.
    files: ['bench/**', 'scripts/**', 'src/main.ts', 'src/cli/**'],
    rules: { 'no-console': 'off' },
  },
);
