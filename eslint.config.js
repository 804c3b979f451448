// ESLint flat config: typescript-eslint's recommended rules plus the type-aware checks that
// catch lost promises, STYLE.md's "no process.env outside config / no console in src", and the
// layer boundaries (transport → feature → engine port), expressed as no-restricted-imports.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** Folders whose code receives traffic: gateways, HTTP controllers, the control-bus subscriber. */
const TRANSPORT_FOLDERS = ['user-gateway', 'internal-gateway', 'internal-api', 'control-bus', 'health', 'admin-ui'];
/** Folders of feature services (what an action does, whichever transport asked). */
const FEATURE_FOLDERS = ['delivery', 'session', 'presence', 'chat', 'call', 'notification', 'status', 'messaging', 'service-registry', 'auth', 'rate-limit', 'lifecycle'];

/** Import specifiers that point into `folder` from a sibling folder of src (any depth). */
const into = (folder) => `^(\\.\\./)+${folder}/`;
/** A *.gateway.ts file of another folder (a Socket.IO transport living beside its feature). */
const OTHER_GATEWAY_FILE = '^(\\.\\./)+[^/]+/[^/]+\\.gateway\\.js$';
const METRICS_CONTROLLER = '^(\\.\\./)+metrics/metrics\\.controller\\.js$';

const restrict = (message, regexes) => regexes.map((regex) => ({ regex, message }));

/**
 * Features and transports reach state through the engine's ports (src/engine/*.ts), never a
 * memory or Redis implementation: no exception (the side channels are the EngineBus, InboundLog,
 * Broker, NodeBus and EngineHealth ports).
 */
const ENGINE_INTERNALS = restrict('Depend on the engine port (src/engine/*.ts), not on a memory or Redis implementation.', [
  '^(\\.\\./)+engine/(memory|redis)/',
]);

/**
 * Transports reach state through feature services: of the engine they may use only the
 * infrastructure ports that are their medium (the bus, engine health, the adapter's sessions).
 */
const ENGINE_STATE = restrict('Transports never inject a store port: call the feature service that owns that state.', [
  '^(\\.\\./)+engine/[^/]+\\.store\\.js$',
]);

const transportRule = (own) => [
  ...restrict(
    'Transports never import each other: move the shared code into a feature folder (or common/).',
    [...TRANSPORT_FOLDERS.filter((f) => f !== own).map(into), OTHER_GATEWAY_FILE, METRICS_CONTROLLER],
  ),
  ...ENGINE_INTERNALS,
  ...ENGINE_STATE,
];
/** The HTTP server is a transport's business: a feature, the engine or the configuration never sees a request. */
const NO_HTTP_SERVER = restrict('Only transports (and the composition root) touch Fastify: a feature takes plain values.', [
  '^fastify$',
  '^@fastify/',
  '^@nestjs/platform-fastify$',
]);

const featureRule = (ownGateway) => [
  ...NO_HTTP_SERVER,
  ...restrict('Features never import transports: the transport calls the feature, not the other way round.', [
    ...TRANSPORT_FOLDERS.map(into),
    OTHER_GATEWAY_FILE,
    METRICS_CONTROLLER,
    // A feature module registers its own gateway; its services never import it.
    ...(ownGateway ? [] : ['^\\./[^/]+\\.gateway\\.js$']),
  ]),
  ...ENGINE_INTERNALS,
];
const commonRule = [
  ...restrict('common/ is the bottom layer: it imports no feature, transport or infrastructure folder.', [
    ...[...TRANSPORT_FOLDERS, ...FEATURE_FOLDERS, 'metrics', 'socket', 'engine', 'config'].map(into),
  ]),
];

/**
 * engine/: the store ports and their implementations sit under every feature. They import the
 * configuration, common/, the metrics service and the room names; nothing that uses them.
 */
const engineRule = [
  ...NO_HTTP_SERVER,
  ...restrict('engine/ sits under the features and transports: it imports none of them, nor the Socket.IO wiring, cluster or recovery code.', [
    ...[...TRANSPORT_FOLDERS, ...FEATURE_FOLDERS, 'cluster', 'recovery', 'asyncapi', 'cli', 'demo', 'runtime'].map(into),
    '^(\\.\\./)+socket/(?!rooms\\.js$)',
    '^(\\.\\./)+(app\\.module|create-app|main|dev-banner)\\.js$',
  ]),
];
/** config/: the environment, validated once; everything reads it, it reads nothing of the app but common/. */
const configRule = [
  ...NO_HTTP_SERVER,
  ...restrict('config/ is read by everyone: it imports only common/.', ['^(\\.\\./)+(?!common/)[^/]+/', '^(\\.\\./)+[^/]+\\.js$']),
];

/** admission/: the load signal and handshake admission, under the gateways and the intake; it reads the configuration only. */
const admissionRule = [
  ...NO_HTTP_SERVER,
  ...restrict('admission/ sits under the transports: it imports nothing of the app but config/ and common/.', ['^(\\.\\./)+(?!common/|config/)[^/]+/', '^(\\.\\./)+[^/]+\\.js$']),
];

/** socket/: the Socket.IO plumbing under every gateway (adapter, dispatcher, typed events). */
const socketRule = [
  ...restrict('socket/ sits under the gateways and the features: it imports no transport and no feature.', [...[...TRANSPORT_FOLDERS, ...FEATURE_FOLDERS].map(into)]),
  // The adapter is wired here: of the engine, the broker and node bus ports it hands over.
  ...restrict('socket/ uses only the broker and node bus ports of the engine (for the adapter).', ['^(\\.\\./)+engine/(?!(broker|node-bus)\\.js$)']),
];
/** cluster/: the Socket.IO adapter over the engine's broker; it knows sockets and rooms, no feature. */
const clusterRule = [
  ...restrict('cluster/ is the path between nodes under every gateway: it imports no transport, feature or recovery code.', [
    ...[...TRANSPORT_FOLDERS, ...FEATURE_FOLDERS, 'recovery'].map(into),
  ]),
  ...restrict('cluster/ uses the broker and node bus ports of the engine only.', ['^(\\.\\./)+engine/(?!(broker|node-bus)\\.js$)']),
  ...restrict('cluster/ takes the room names from socket/rooms only.', ['^(\\.\\./)+socket/(?!rooms\\.js$)']),
];
/** recovery/: connection-state recovery; it reads memberships through the chat and presence features. */
const recoveryRule = [
  ...restrict('recovery/ imports no transport: the user gateway calls it.', [...TRANSPORT_FOLDERS.map(into), OTHER_GATEWAY_FILE]),
  ...ENGINE_INTERNALS,
];
/** asyncapi/: the event catalogue is built from the wire types and the DTOs, never from services. */
const asyncapiRule = restrict('asyncapi/ documents the wire: import DTOs (*/dto/*), socket/events or common/, never a service, gateway or module.', [
  '^(\\.\\./)+(?!common/|socket/events\\.js$)[^/]+/(?!dto/)',
]);
/** cli/: small programs run without the app; they reuse pure modules only. */
const cliRule = [
  ...restrict('cli/ runs without the app: import config, the control-bus producer and codec, or the AsyncAPI document only.', [
    '^(\\.\\./)+(?!config/|asyncapi/asyncapi-document\\.js$|control-bus/(producer|control-codec)\\.js$)',
  ]),
  ...restrict('cli/ runs without Nest.', ['^@nestjs/']),
];
/**
 * packages/client: the installable client. It ships alone with socket.io-client as its one
 * dependency, so it imports only its own files and socket.io-client (types of the latter too).
 */
const CLIENT_RULE = {
  patterns: [
    { regex: '^\\.\\./', message: 'packages/client is installed on its own: import only its own files (./x.js).' },
    {
      regex: '^(?!\\./|socket\\.io-client$)',
      message: 'packages/client depends on socket.io-client only: no Node module, no Nest, no server package, no other dependency.',
    },
  ],
};
/** demo/: the development demo page; it talks to the gateway through the client like any user. */
const demoRule = restrict('demo/ imports no feature, transport, engine or socket code: the page uses the published client.', [
  ...[...TRANSPORT_FOLDERS, ...FEATURE_FOLDERS, 'engine', 'socket', 'metrics'].map(into),
]);

export default tseslint.config(
  { ignores: ['dist/**', 'packages/*/dist/**', 'node_modules/**', 'coverage/**', 'examples/**/*.py'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: { ...globals.node },
      parserOptions: { projectService: { allowDefaultProject: ['*.js', 'bench/*.mjs', 'examples/*.mjs', 'scripts/*.mjs', 'reliability/*.mjs'] }, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // The type-aware checks that find real bugs here, without the whole strict type-checked set.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      // Not await-thenable: it rejects Promise.all over Socket.IO's `Promise<void> | void` (join/leave).
      // Functions whose `this` is a socket or a WebSocket reach their owner under one of these names.
      '@typescript-eslint/no-this-alias': ['error', { allowedNames: ['self', 'gen', 'limiter'] }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // Long lines are the house style up to a point; past 200 columns they stop being readable.
      // A line that is only a string (a log message, a help text) may run on.
      'max-len': ['error', { code: 200, ignoreUrls: true, ignoreRegExpLiterals: true, ignorePattern: "^\\s*'[^']*',?$" }],
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/config/**'],
    rules: {
      // Also catches `const { env } = process`.
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Read configuration through AppConfig (src/config), never process.env.' }],
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/cli/**'],
    rules: { 'no-console': 'error' },
  },
  // Layer boundaries. Each block replaces no-restricted-imports for its files, so the blocks
  // below are disjoint: a file gets exactly one set of patterns.
  ...TRANSPORT_FOLDERS.map((folder) => ({
    files: [`src/${folder}/**/*.ts`],
    rules: { 'no-restricted-imports': ['error', { patterns: transportRule(folder) }] },
  })),
  {
    files: FEATURE_FOLDERS.map((f) => `src/${f}/**/*.ts`),
    ignores: ['src/**/*.gateway.ts', 'src/**/*.module.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: featureRule(false) }] },
  },
  {
    files: FEATURE_FOLDERS.map((f) => `src/${f}/*.module.ts`),
    rules: { 'no-restricted-imports': ['error', { patterns: featureRule(true) }] },
  },
  {
    files: ['src/metrics/metrics.controller.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: transportRule('metrics') }] },
  },
  {
    // A gateway beside its feature is a transport: it imports its feature, never another transport.
    files: ['src/**/*.gateway.ts'],
    ignores: TRANSPORT_FOLDERS.map((f) => `src/${f}/**`),
    rules: { 'no-restricted-imports': ['error', { patterns: transportRule(undefined) }] },
  },
  {
    files: ['src/common/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: commonRule }] },
  },
  {
    files: ['src/socket/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: socketRule }] },
  },
  {
    files: ['src/engine/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: engineRule }] },
  },
  {
    files: ['src/config/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: configRule }] },
  },
  {
    files: ['src/admission/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: admissionRule }] },
  },
  {
    files: ['src/cluster/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: clusterRule }] },
  },
  {
    files: ['src/recovery/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: recoveryRule }] },
  },
  {
    files: ['src/asyncapi/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: asyncapiRule }] },
  },
  {
    files: ['src/cli/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: cliRule }] },
  },
  {
    files: ['packages/client/src/**/*.ts'],
    ignores: ['packages/client/src/**/*.spec.ts'],
    rules: { 'no-restricted-imports': ['error', CLIENT_RULE] },
  },
  {
    files: ['src/demo/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: demoRule }] },
  },
  {
    // Socket.IO's Socket generics are invariant: `any` is the one way to accept every typed socket.
    files: ['src/socket/event-dispatcher.ts', 'src/socket/emit-then-disconnect.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // The table of patched Socket.IO internals: one internal a line, so a diff shows which changed.
    files: ['src/socket/internals-check.ts'],
    rules: { 'max-len': ['error', { code: 240 }] },
  },
  {
    // `{}` is meant here: the default "no extra events" map and the "every field optional" test.
    files: ['packages/client/src/**/*.ts'],
    rules: { '@typescript-eslint/no-empty-object-type': ['error', { allowObjectTypes: 'always' }] },
  },
  {
    files: ['test/**/*.ts', 'src/**/*.spec.ts', 'packages/*/src/**/*.spec.ts'],
    rules: {
      // Tests reach into anything and build fakes; the boundaries are for production code.
      'no-restricted-imports': 'off',
      '@typescript-eslint/no-restricted-imports': 'off',
      // Tables of cases read best one case a line.
      'max-len': ['error', { code: 320 }],
      // Type-level tests (test/types) declare parameters only to check their types.
      '@typescript-eslint/no-unused-vars': ['error', { args: 'none', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
);
