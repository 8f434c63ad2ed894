/** Shared jest settings for the Node projects: @swc/jest transpiles our TS and the ESM-only @nestjs packages to CJS. */
const path = require('node:path');
const root = __dirname;
module.exports = {
  testEnvironment: 'node',
  reporters: ['default', [path.join(root, 'jest.summary-reporter.cjs'), {}]],
  transform: {
    '^.+\\.(t|j|mj)s$': [
      require.resolve('@swc/jest'),
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
          target: 'es2022',
          keepClassNames: true,
        },
        module: { type: 'commonjs' },
      },
    ],
  },
  transformIgnorePatterns: ['/node_modules/(?!(@nestjs|@socket\\.io|@modelcontextprotocol)/)'],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
  moduleNameMapper: {
    '^@claudemesh/shared$': path.join(root, 'shared/src/index.ts'),
    '^@claudemesh/shared/(.*)$': path.join(root, 'shared/src/$1/index.ts'),
    '^@claudemesh/database$': path.join(root, 'database/src/index.ts'),
    '^@claudemesh/peer-sdk$': path.join(root, 'cli/src/sdk/index.ts'),
  },
};
