const preset = require('../jest.preset.cjs');
module.exports = { ...preset, displayName: 'bench', rootDir: __dirname, testMatch: ['<rootDir>/src/**/*.spec.ts'], testTimeout: 240000 };
