// Lint: TypeScript rules, no focused/skipped tests, no deep imports into another lib.
const tseslint = require('typescript-eslint');
const jest = require('eslint-plugin-jest');
const globals = require('globals');

module.exports = tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'models/**', '.venv/**', 'coverage/**', 'training/**', 'var/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
      'no-empty': ['error', { allowEmptyCatch: false }],
      'no-restricted-imports': ['error', { patterns: [{ group: ['@app/*/src', '@app/*/src/*', '**/libs/*/src/*'], message: 'Import a lib through its index: @app/<lib>.' }] }],
    },
  },
  {
    // A promise nobody awaits or catches: its rejection is unhandled, and that ends a Node process. Type-aware,
    // so only over the code that runs in production (tests await what they check).
    files: ['apps/**/*.ts', 'libs/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    languageOptions: { parserOptions: { project: './tsconfig.json', tsconfigRootDir: __dirname } },
    rules: { '@typescript-eslint/no-floating-promises': 'error', '@typescript-eslint/no-misused-promises': 'error' },
  },
  {
    files: ['**/*.spec.ts', 'test/**/*.ts'],
    plugins: { jest },
    rules: { 'jest/no-focused-tests': 'error', 'jest/no-disabled-tests': 'error' },
  },
  { files: ['**/*.js'], rules: { '@typescript-eslint/no-require-imports': 'off' } },
  {
    // The pages: plain browser JavaScript, no build step (widget.js is a classic script, the rest ES modules).
    files: ['apps/web/**/*.js'],
    languageOptions: { globals: globals.browser, sourceType: 'module' },
    rules: { 'no-empty': ['error', { allowEmptyCatch: false }] },
  },
);
