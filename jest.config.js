/** Unit specs live beside the code (src, *.spec.ts); e2e suites under test/e2e run against a
 * real embedded PostgreSQL started once in globalSetup, each suite in a database of its own. */
const swc = [
  '@swc/jest',
  {
    jsc: {
      target: 'es2022',
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
  },
];
module.exports = {
  testEnvironment: 'node',
  // Some runtime dependencies ship ESM only; Node loads them from CommonJS (require(esm)) but
  // Jest's CommonJS runtime cannot, so those few are compiled to CommonJS like our own code.
  transform: { '^.+\\.(ts|js)$': swc },
  transformIgnorePatterns: ['/node_modules/(?!(content-disposition)/)'],
  moduleFileExtensions: ['ts', 'js', 'json'],
  testRegex: '(src|test)/.*\\.(spec|e2e-spec)\\.ts$',
  globalSetup: '<rootDir>/test/setup/global-setup.ts',
  globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
  testTimeout: 60000,
  maxWorkers: 2,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
};
