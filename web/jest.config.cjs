/** Web component tests: jest-preset-angular in jsdom, zoneless (see src/test-setup.ts). */
const path = require('node:path');
const root = path.join(__dirname, '..');
module.exports = {
  displayName: 'web',
  rootDir: __dirname,
  preset: 'jest-preset-angular',
  testEnvironment: 'jsdom',
  setupFilesAfterEnv: ['<rootDir>/src/test-setup.ts'],
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  reporters: ['default', [path.join(root, 'jest.summary-reporter.cjs'), { name: 'web' }]],
  transform: {
    '^.+\\.(ts|js|mjs|html|svg)$': ['jest-preset-angular', { tsconfig: '<rootDir>/tsconfig.spec.json', stringifyContentPathRegex: '\\.(html|svg)$' }],
  },
  transformIgnorePatterns: ['node_modules/(?!.*\\.mjs$)'],
  moduleNameMapper: {
    '^@claudemesh/shared$': path.join(root, 'shared/src/index.ts'),
    // A deep path (…/dto/invite/invite-capabilities, …/crypto/test-vectors) names one file: the web bundle avoids the
    // decorator-laden DTO index, and the test vectors stay out of the crypto barrel.
    '^@claudemesh/shared/((?:dto/[a-z-]+|crypto)/[a-z.-]+)$': path.join(root, 'shared/src/$1.ts'),
    '^@claudemesh/shared/(.*)$': path.join(root, 'shared/src/$1/index.ts'),
  },
};
