import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import jwt from 'jsonwebtoken';
import type { AppConfig } from '../../src/config/app-config.js';
import { type Env, loadConfig } from '../../src/config/load-config.js';
import { AppConfigModule } from '../../src/config/config.module.js';
import { createApp } from '../../src/create-app.js';
import { closeAllClients } from './client.js';

export const TEST_JWT_SECRET = 'test-jwt-secret-0123456789abcdef';
export const TEST_INTERNAL_SECRET = 'test-internal-secret-42';

export interface TestApp {
  app: INestApplication;
  config: AppConfig;
  port: number;
  url: string;
  /** With INTERNAL_PORT set (use '0' for a free one): the bound port and its base URL. */
  internalPort?: number;
  internalUrl?: string;
  close(): Promise<void>;
}

/** A Redis key prefix unique to one test, so files sharing the one test Redis never collide. */
export function uniquePrefix(label = 'test'): string {
  return `t:${label}:${randomBytes(4).toString('hex')}`;
}

let freshSeq = 0;

/** An id (user, chat, session…) unique across test files and runs, readable in failures. */
export function fresh(label: string): string {
  freshSeq += 1;
  return `${label}-${process.pid}-${freshSeq}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Env for the Redis engine on the suite's shared redis-server (see global-setup.ts). */
export function redisEnv(prefix: string, url = process.env.TEST_REDIS_URL): Env {
  if (!url) throw new Error('TEST_REDIS_URL is not set: run through jest (global-setup starts redis-server)');
  return { REDIS_URL: url, SOCKET_CONTROL_PREFIX: prefix };
}

/**
 * Load admission (503 while the event loop is late, or too many handshakes are in progress) is off
 * for apps in the test process: the tests' own work shares their event loop. The admission specs
 * (overload-shed, reconnect-storm) run `node dist/main.js` with the defaults instead.
 */
export const NO_LOAD_ADMISSION: Env = { INTAKE_MAX_EVENT_LOOP_DELAY_MS: '0', HANDSHAKE_MAX_EVENT_LOOP_DELAY_MS: '0', HANDSHAKE_MAX_PENDING: '100000' };

export function testConfig(overrides: Env = {}): AppConfig {
  return loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    JWT_SECRET: TEST_JWT_SECRET,
    INTERNAL_SECRET: TEST_INTERNAL_SECRET,
    LOG_LEVEL: 'error',
    RATE_LIMIT_MAX_CONNECTIONS: '100000',
    ...NO_LOAD_ADMISSION,
    ...overrides,
  });
}

/** Boots the real app (HTTP + Socket.IO) on a free port. */
export async function startApp(overrides: Env = {}): Promise<TestApp> {
  const config = testConfig(overrides);
  const { app, port, internalPort } = await createApp(await AppConfigModule.forConfig(config));
  return {
    app,
    config,
    port,
    url: `http://127.0.0.1:${port}`,
    internalPort,
    internalUrl: internalPort === undefined ? undefined : `http://127.0.0.1:${internalPort}`,
    close: () => app.close(),
  };
}

export interface UseAppOptions {
  /** When to close the clients of support/client.ts: after all the block's tests (default) or after each. */
  closeClients?: 'each' | 'all';
}

/**
 * Registers the hooks that run `count` apps on one env for the enclosing `describe` (nodes of
 * one cluster when the env names a Redis): started together in `beforeAll` (env may be a
 * function, read once then); clients and apps closed in `afterAll` (clients after each test
 * with `closeClients: 'each'`). Returns stand-ins that read through to the apps once started.
 */
export function useApps(count: number, env: Env | (() => Env) = {}, { closeClients = 'all' }: UseAppOptions = {}): TestApp[] {
  let apps: TestApp[] = [];
  beforeAll(async () => {
    const resolved = typeof env === 'function' ? env() : env;
    apps = await Promise.all(Array.from({ length: count }, () => startApp(resolved)));
  });
  if (closeClients === 'each') afterEach(() => closeAllClients());
  afterAll(async () => {
    closeAllClients();
    await Promise.all(apps.map((app) => app.close()));
    apps = [];
  });
  return Array.from({ length: count }, (_, i) => standIn(() => apps[i]));
}

/** One app for the enclosing `describe`: `useApps(1, …)`. */
export function useApp(env: Env | (() => Env) = {}, options: UseAppOptions = {}): TestApp {
  return useApps(1, env, options)[0];
}

function standIn(current: () => TestApp | undefined): TestApp {
  return new Proxy({} as TestApp, {
    get(_target, key) {
      // Not a thenable: `await`ing or resolving the stand-in must not throw before the start.
      if (key === 'then') return undefined;
      const app = current();
      if (!app) throw new Error(`useApp: the app is not running (read "${String(key)}" outside a test?)`);
      return Reflect.get(app, key);
    },
  });
}

export interface TokenOptions {
  secret?: string;
  algorithm?: jwt.Algorithm;
  expiresIn?: number | string;
  privateKey?: string;
  noTimestamp?: boolean;
}

/** Signs a user token; by default HS256 with the test secret, 1 h, `sub` = userId, `session_id` = sessionId. */
export function signToken(claims: Record<string, unknown>, opts: TokenOptions = {}): string {
  const key = opts.privateKey ?? opts.secret ?? TEST_JWT_SECRET;
  return jwt.sign(claims, key, {
    algorithm: opts.algorithm ?? 'HS256',
    ...(opts.expiresIn !== undefined ? { expiresIn: opts.expiresIn as jwt.SignOptions['expiresIn'] } : claims.exp === undefined ? { expiresIn: 3600 } : {}),
    ...(opts.noTimestamp ? { noTimestamp: true } : {}),
  });
}

export function userToken(userId: string, sessionId = `s-${userId}`, extra: Record<string, unknown> = {}): string {
  return signToken({ sub: userId, session_id: sessionId, ...extra });
}
