const preset = require('../jest.preset.cjs');
module.exports = {
  ...preset,
  displayName: 'server',
  rootDir: __dirname,
  globalSetup: '../jest.database-setup.cjs',
  globalTeardown: '../jest.database-teardown.cjs',
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/src/**/*.int-spec.ts'],
  testTimeout: 60000,
};
