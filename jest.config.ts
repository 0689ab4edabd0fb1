import type { Config } from 'jest';

const swcTransform: Config['transform'] = {
  '^.+\\.ts$': [
    '@swc/jest',
    {
      jsc: {
        parser: { syntax: 'typescript', decorators: true },
        transform: { legacyDecorator: true, decoratorMetadata: true },
        target: 'es2022',
        keepClassNames: true,
      },
      module: { type: 'commonjs' },
    },
  ],
};

const moduleNameMapper: Config['moduleNameMapper'] = {
  '^@pp/(.*)$': '<rootDir>/libs/$1/src',
};

const config: Config = {
  // Integration suites boot apps and wait on a real broker and database; unit tests finish far sooner.
  testTimeout: 120_000,
  projects: [
    {
      displayName: 'unit',
      rootDir: '.',
      testEnvironment: 'node',
      testMatch: ['<rootDir>/apps/**/*.spec.ts', '<rootDir>/libs/**/*.spec.ts'],
      transform: swcTransform,
      moduleNameMapper,
      // Unit specs discover entity metadata too (the normalizer's table models).
      setupFiles: ['<rootDir>/test/setup/fresh-orm-metadata.ts'],
    },
    {
      displayName: 'integration',
      rootDir: '.',
      testEnvironment: 'node',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      transform: swcTransform,
      moduleNameMapper,
      setupFiles: ['<rootDir>/test/setup/fresh-orm-metadata.ts'],
      globalSetup: '<rootDir>/test/setup/global-setup.ts',
      globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
    },
    {
      // Restarts the machine's RabbitMQ and PostgreSQL: run alone, after the others (`npm test`).
      displayName: 'restarts',
      rootDir: '.',
      testEnvironment: 'node',
      testMatch: ['<rootDir>/test/restarts/**/*.restart-spec.ts'],
      transform: swcTransform,
      moduleNameMapper,
      setupFiles: ['<rootDir>/test/setup/fresh-orm-metadata.ts'],
      globalSetup: '<rootDir>/test/setup/global-setup.ts',
      globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
    },
  ],
};

export default config;
