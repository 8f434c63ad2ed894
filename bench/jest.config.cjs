const preset = require('../jest.preset.cjs');
module.exports = { ...preset, displayName: 'bench', rootDir: __dirname,
  globalSetup: '../jest.database-setup.cjs',
  globalTeardown: '../jest.database-teardown.cjs', testMatch: ['<rootDir>/src/**/*.spec.ts'], testTimeout: 240000 };
