import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from '../support/node-process.js';
import { fresh, useApp, userToken } from '../support/app.js';

// The client as a user installs it: `npm pack` of packages/client (its `prepare` builds dist/),
// the tarball installed in an empty project without the network, a TypeScript consumer
// type-checked against the installed declarations, then run against a real gateway.

const run = promisify(execFile);
const PACKAGE_DIR = join(ROOT, 'packages/client');
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');

/** The environment of the npm and node children: no npm_* variables of an enclosing `npm test` (npm_config_local_prefix would point them at the repo). */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));
  return { ...env, ...extra };
}

type LockEntry = { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string>; [key: string]: unknown };

/**
 * The entries of the repository's package-lock.json that `name` needs, at the same paths:
 * node's resolution (nearest node_modules upward) applied to the lock. With them the consumer's
 * `npm ci --offline` installs from npm's cache, which the repository's own `npm ci` filled.
 */
function lockSubtree(name: string): Record<string, LockEntry> {
  const packages = (JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> }).packages;
  const find = (from: string, dep: string): string | undefined => {
    for (let base = from; ; ) {
      const path = `${base ? `${base}/` : ''}node_modules/${dep}`;
      if (packages[path]) return path;
      if (!base) return undefined;
      const cut = base.lastIndexOf('/node_modules/');
      base = cut < 0 ? '' : base.slice(0, cut);
    }
  };
  const out: Record<string, LockEntry> = {};
  const walk = (path: string): void => {
    if (out[path]) return;
    const { dev: _dev, devOptional: _devOptional, ...entry } = packages[path];
    out[path] = entry;
    for (const dep of Object.keys({ ...entry.dependencies, ...entry.optionalDependencies })) {
      const found = find(path, dep);
      if (found) walk(found);
      else if (!entry.optionalDependencies?.[dep]) throw new Error(`package-lock.json has no ${dep} for ${path}`);
    }
  };
  const top = find('', name);
  if (!top) throw new Error(`package-lock.json has no ${name}`);
  walk(top);
  return out;
}

const CONSUMER = `
import { connectGateway, GatewayError, type ChatMessage, type ErrorCode } from '@realtime-gateway/client';

const client = connectGateway(process.env.GATEWAY_URL ?? '', { getToken: () => process.env.USER_TOKEN ?? '', transports: ['websocket'] });
client.on('message:new', (m: ChatMessage) => void m.messageId);
client.on('connected', async ({ userId }) => {
  const refused = await client.request('chat:join', { chatId: 'not-a-member' }).catch((e: unknown) => e);
  const code = refused instanceof GatewayError ? refused.code : null;
  const presence = await client.request('presence:update', { status: 'away' });
  console.log(JSON.stringify({ userId, code, status: presence.status }));
  client.close();
});
const limited: ErrorCode = 'RATE_LIMITED';
void limited;
// @ts-expect-error not one of the gateway's error codes
const unknownCode: ErrorCode = 'NOPE';
// @ts-expect-error chat:join takes { chatId }: the installed declarations carry the event map
void (() => client.request('chat:join', { chat: 'c' }));
// @ts-expect-error not a server event
client.on('no:such-event', () => undefined);
`;

describe('the client package (packages/client)', () => {
  const gateway = useApp();
  let work: string;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'client-package-'));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('packs with its build, installs offline with socket.io-client alone, type-checks a consumer and connects', async () => {
    // A copy of the package without dist/, so the tarball's dist can only come from `prepare`;
    // node_modules beside it lends the repository's TypeScript and socket.io-client to the build.
    const pkgDir = join(work, 'pkg');
    cpSync(PACKAGE_DIR, pkgDir, { recursive: true, filter: (src) => !/[/\\](dist|node_modules)$/.test(src) });
    symlinkSync(join(ROOT, 'node_modules'), join(work, 'node_modules'), 'dir');
    const packed = await run('npm', ['pack', '--json', '--pack-destination', work], { cwd: pkgDir, env: childEnv(), timeout: 120_000 });
    const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as Array<{ filename: string; files: Array<{ path: string }> }>;
    const files = info.files.map((f) => f.path).sort();
    expect(files).toContain('README.md');
    expect(files).toContain('dist/index.js');
    expect(files).toContain('dist/index.d.ts');
    expect(files).toContain('dist/events.d.ts');
    expect(files.filter((f) => !/^(package\.json|README\.md|dist\/[a-z-]+\.(js|d\.ts))$/.test(f))).toEqual([]);

    // The consumer: its package.json names the tarball; its lock, the tarball plus socket.io-client's tree.
    const app = join(work, 'app');
    cpSync(join(work, info.filename), join(app, info.filename));
    const dependencies = { '@realtime-gateway/client': `file:${info.filename}` };
    const { version, dependencies: own } = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { version: string; dependencies: Record<string, string> };
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module', dependencies }));
    const lock = {
      name: 'consumer',
      version: '1.0.0',
      lockfileVersion: 3,
      requires: true,
      packages: {
        '': { name: 'consumer', version: '1.0.0', dependencies },
        'node_modules/@realtime-gateway/client': { version, resolved: `file:${info.filename}`, dependencies: own },
        ...lockSubtree('socket.io-client'),
      },
    };
    writeFileSync(join(app, 'package-lock.json'), JSON.stringify(lock));
    await run('npm', ['ci', '--offline', '--no-audit', '--no-fund'], { cwd: app, env: childEnv(), timeout: 120_000 });

    const manifest = JSON.parse(readFileSync(join(app, 'node_modules/@realtime-gateway/client/package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(Object.keys(manifest.dependencies)).toEqual(['socket.io-client']);
    // Nothing of the gateway came along: socket.io-client's own tree only.
    const top = readdirSync(join(app, 'node_modules')).filter((d) => !d.startsWith('.'));
    expect(top.sort()).toEqual(['@realtime-gateway', '@socket.io', 'engine.io-client', 'engine.io-parser', 'ms', 'socket.io-client', 'socket.io-parser', 'ws', 'xmlhttprequest-ssl']);

    writeFileSync(join(app, 'consumer.ts'), CONSUMER);
    const tsconfig = {
      compilerOptions: {
        module: 'nodenext',
        target: 'ES2022',
        strict: true,
        // The installed declarations are checked too, not only the consumer.
        skipLibCheck: false,
        types: ['node'],
        typeRoots: [join(ROOT, 'node_modules/@types')],
        outDir: 'out',
      },
      files: ['consumer.ts'],
    };
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify(tsconfig));
    await run(process.execPath, [TSC, '-p', app], { cwd: app, env: childEnv(), timeout: 120_000 }).catch((err: { stdout?: string }) => {
      throw new Error(`tsc failed on the consumer:\n${err.stdout ?? String(err)}`);
    });

    const userId = fresh('packaged');
    const { stdout } = await run(process.execPath, [join(app, 'out/consumer.js')], {
      cwd: app,
      env: childEnv({ GATEWAY_URL: gateway.url, USER_TOKEN: userToken(userId) }),
      timeout: 30_000,
    });
    expect(JSON.parse(stdout)).toEqual({ userId, code: 'FORBIDDEN', status: 'away' });
  });
});
