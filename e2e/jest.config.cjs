// Black-box suites: real server processes (server/dist/main.js), real PostgreSQL, real Socket.IO, real browser.
// One worker: suites start servers and databases, and the machine is small.
const path = require('node:path');
const preset = require('../jest.preset.cjs');
module.exports = {
  ...preset,
  displayName: 'e2e',
  rootDir: __dirname,
  globalSetup: '../jest.database-setup.cjs',
  globalTeardown: '../jest.database-teardown.cjs',
  testMatch: ['<rootDir>/src/**/*.e2e-spec.ts'],
  testTimeout: 180000,
  maxWorkers: 1,
  moduleNameMapper: {
    ...preset.moduleNameMapper,
    '^@claudemesh/peer-sdk$': path.join(__dirname, '../cli/src/sdk/index.ts'),
  },
};
