import { ESLint } from 'eslint';

// The layers of ARCHITECTURE.md hold by lint: for each boundary rule of eslint.config.js, an
// import planted in a file of that folder is reported by `no-restricted-imports`, and an allowed
// import in the same file is not. The planted files are linted as text (never written); the
// type-aware rules are off for them, since they are not part of the TypeScript project.

const eslint = new ESLint({
  cwd: process.cwd(),
  overrideConfig: {
    languageOptions: { parserOptions: { projectService: false, project: null } },
    rules: { '@typescript-eslint/no-floating-promises': 'off', '@typescript-eslint/no-misused-promises': 'off' },
  },
});

/** The `no-restricted-imports` messages ESLint reports for `source` as if it were `filePath`. */
async function restricted(filePath: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${source}\nexport const planted = 1;\n`, { filePath });
  return result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

const plant = (specifier: string) => `import { x } from '${specifier}';\nvoid x;`;

interface Case {
  rule: string;
  file: string;
  forbidden: string;
  allowed: string;
}

const CASES: Case[] = [
  { rule: 'no Fastify in a feature', file: 'src/chat/planted.ts', forbidden: 'fastify', allowed: '../common/error-codes.js' },
  { rule: 'no Fastify in the engine', file: 'src/engine/planted.ts', forbidden: '@fastify/multipart', allowed: '../config/app-config.js' },
  { rule: 'no Fastify in the configuration', file: 'src/config/planted.ts', forbidden: '@nestjs/platform-fastify', allowed: '../common/error-codes.js' },
  { rule: 'engine/ imports no feature', file: 'src/engine/redis/planted.ts', forbidden: '../../presence/presence.service.js', allowed: '../../socket/rooms.js' },
  { rule: 'engine/ imports no transport', file: 'src/engine/planted.ts', forbidden: '../internal-api/emit.routes.js', allowed: '../common/error-codes.js' },
  { rule: 'engine/ imports no Socket.IO wiring but the room names', file: 'src/engine/planted.ts', forbidden: '../socket/socket-server.ref.js', allowed: '../socket/rooms.js' },
  { rule: 'engine/ imports no recovery code', file: 'src/engine/planted.ts', forbidden: '../recovery/recovery.service.js', allowed: './broker.js' },
  { rule: 'config/ imports only common/', file: 'src/config/planted.ts', forbidden: '../metrics/metrics.service.js', allowed: '../common/error-codes.js' },
  { rule: 'admission/ imports only config/ and common/', file: 'src/admission/planted.ts', forbidden: '../presence/presence.service.js', allowed: '../config/app-config.js' },
  { rule: 'features never import transports', file: 'src/presence/planted.ts', forbidden: '../internal-api/emit.routes.js', allowed: '../engine/presence.store.js' },
  { rule: 'features reach the engine through its ports', file: 'src/chat/planted.ts', forbidden: '../engine/redis/redis-membership.store.js', allowed: '../engine/membership.store.js' },
  { rule: 'transports never import each other', file: 'src/internal-api/planted.ts', forbidden: '../user-gateway/user.gateway.js', allowed: '../delivery/emit.service.js' },
  { rule: 'transports inject no store port', file: 'src/internal-api/planted.ts', forbidden: '../engine/presence.store.js', allowed: '../presence/presence.service.js' },
  { rule: 'socket/ imports no feature', file: 'src/socket/planted.ts', forbidden: '../presence/presence.service.js', allowed: '../engine/broker.js' },
  { rule: 'cluster/ imports no recovery code', file: 'src/cluster/planted.ts', forbidden: '../recovery/recovery.service.js', allowed: '../socket/rooms.js' },
  { rule: 'recovery/ imports no transport', file: 'src/recovery/planted.ts', forbidden: '../user-gateway/user.gateway.js', allowed: '../chat/chat.service.js' },
  { rule: 'common/ is the bottom layer', file: 'src/common/planted.ts', forbidden: '../engine/broker.js', allowed: './error-codes.js' },
  { rule: 'the client package imports only socket.io-client', file: 'packages/client/src/planted.ts', forbidden: 'ioredis', allowed: 'socket.io-client' },
];

describe('layer boundaries (eslint.config.js)', () => {
  it.each(CASES)('$rule: $forbidden is reported in $file, $allowed is not', async ({ file, forbidden, allowed }) => {
    expect((await restricted(file, plant(forbidden))).length).toBeGreaterThan(0);
    expect(await restricted(file, plant(allowed))).toEqual([]);
  });

  it('a feature file that follows the rules lints clean of boundary errors', async () => {
    expect(await restricted('src/chat/planted.ts', [plant('../engine/membership.store.js'), "import { y } from '../common/error-codes.js';\nvoid y;"].join('\n'))).toEqual([]);
  });
});
