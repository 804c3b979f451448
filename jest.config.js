// Jest runs the TypeScript sources as native ES modules (NestJS 12 ships ESM only),
// compiled by SWC with legacy decorators and decorator metadata like tsc does.
const swc = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    target: 'es2022',
  },
  module: { type: 'es6' },
  sourceMaps: 'inline',
};

/** What every project shares: the compiler, and the Reflect polyfill before any DTO or provider module loads. */
const base = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', swc] },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  setupFiles: ['reflect-metadata'],
};

/** One project per kind of test, named for what it checks (`npx jest --selectProjects contract`). */
const project = (displayName, testMatch) => ({ ...base, displayName, testMatch });

export default {
  projects: [
    // Pure logic next to the code, fakes allowed (src/**/*.spec.ts, the client package's too).
    project('unit', ['<rootDir>/src/**/*.spec.ts', '<rootDir>/packages/*/src/**/*.spec.ts']),
    // Every engine port on both implementations, memory and a real Redis (test/contract/store-contract.ts).
    project('contract', ['<rootDir>/test/contract/**/*.spec.ts']),
    // The real app, real sockets, real Redis, real processes.
    project('e2e', ['<rootDir>/test/e2e/**/*.e2e-spec.ts']),
    // The event map's compile-time tests (test/types/event-map.types.ts) compile.
    project('types', ['<rootDir>/test/types/**/*.spec.ts']),
    // docker-compose, the Dockerfile, HAProxy, the Kubernetes manifests and the Grafana dashboard against the app.
    project('deploy', ['<rootDir>/test/deploy/**/*.spec.ts']),
    // The documentation's links and anchors, the configuration table against the DTO.
    project('docs', ['<rootDir>/test/docs/**/*.spec.ts']),
    // Every dependency install script has a decision in package.json.
    project('install', ['<rootDir>/test/install/**/*.spec.ts']),
    // The layer boundaries of eslint.config.js, each with an import planted in a folder.
    project('lint', ['<rootDir>/test/lint/**/*.spec.ts']),
    // The load tool (bench/) and its chart.
    project('bench', ['<rootDir>/test/bench/**/*.spec.ts']),
    // A short run of the reliability harness (reliability/, npm run reliability) against real processes.
    project('reliability', ['<rootDir>/test/reliability/**/*.spec.ts']),
    // The test harness's own parts (the private redis-server).
    project('support', ['<rootDir>/test/support/**/*.spec.ts']),
  ],
  // One private redis-server for the whole run (TEST_REDIS_URL), whichever projects run.
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 60000,
  maxWorkers: 2,
  // Timed e2e suites first beside light ones, Chromium and ESLint last (test/support/sequencer.mjs).
  testSequencer: '<rootDir>/test/support/sequencer.mjs',
};
