/** Two tiers: unit specs next to the code, e2e/integration specs under test/. */
const { pathsToModuleNameMapper } = require('ts-jest');
const { compilerOptions } = require('./tsconfig.json');

const shared = {
  testEnvironment: '<rootDir>/libs/testing/src/jest-node-environment.js',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.spec.json' }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper: pathsToModuleNameMapper(compilerOptions.paths, { prefix: '<rootDir>/' }),
  rootDir: __dirname,
};

module.exports = {
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs}/**/*.spec.ts'] },
    {
      ...shared,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/{e2e,integration}/**/*.{e2e,int}-spec.ts'],
      testTimeout: 120000,
      globalSetup: '<rootDir>/libs/testing/src/fresh-test-database.js',
    },
    {
      ...shared,
      displayName: 'browser',
      // Headless Chromium (Debian's) driven by playwright-core against the real server; see test/browser.
      testMatch: ['<rootDir>/test/browser/**/*.browser-spec.ts'],
      testTimeout: 300000,
      globalSetup: '<rootDir>/libs/testing/src/fresh-test-database.js',
    },
  ],
};
