import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Test } from '@nestjs/testing';
import { AppConfig } from './app-config.js';
import { AppConfigModule } from './config.module.js';
import { readEnvironment } from './environment.js';
import { ConfigError, loadConfig } from './load-config.js';

/** A `.env` file in a fresh folder. */
function dotEnv(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'dotenv-')), '.env');
  writeFileSync(file, text);
  return file;
}

/** Runs `fn` with `vars` set in the process environment, then puts back what was there (the .env values ConfigModule adds too). */
async function withEnv<T>(vars: Record<string, string>, names: string[], fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(names.map((n) => [n, process.env[n]]));
  Object.assign(process.env, vars);
  try {
    return await fn();
  } finally {
    for (const [n, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[n];
      else process.env[n] = v;
    }
  }
}

const NAMES = ['PORT', 'HOST', 'JWT_SECRET', 'GW_SPEC_ONLY'];

describe('AppConfigModule', () => {
  describe('fromEnvironment', () => {
    it('loads .env under the real variables and validates it into the AppConfig the app injects', async () => {
      const file = dotEnv('PORT=4100\nHOST=127.0.0.2\nJWT_SECRET=dotenv-secret-0123456789\n');
      const sut = await withEnv({ PORT: '4200' }, NAMES, () => AppConfigModule.fromEnvironment(file));

      expect(sut.config).toBeInstanceOf(AppConfig);
      expect(sut.config).toMatchObject({ port: 4200, host: '127.0.0.2', jwt: { secret: 'dotenv-secret-0123456789' } });
      const moduleRef = await Test.createTestingModule({ imports: [sut.module] }).compile();
      // The very object the composition root read (its generated parts, such as nodeId, included).
      expect(moduleRef.get(AppConfig)).toBe(sut.config);
      await moduleRef.close();
    });

    it('throws the one-line ConfigError naming the variable', async () => {
      const file = dotEnv('PORT=abc\n');
      const err = await withEnv({}, NAMES, () => AppConfigModule.fromEnvironment(file)).catch((e: unknown) => e);

      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).variable).toBe('PORT');
      expect((err as ConfigError).message).not.toContain('\n');
    });
  });

  describe('forConfig', () => {
    it('provides a configuration built elsewhere, reading nothing from the process', async () => {
      const config = loadConfig({ JWT_SECRET: 'spec-secret-0123456789', PORT: '4300' });
      const sut = await withEnv({ PORT: 'not-a-port' }, NAMES, () => AppConfigModule.forConfig(config));

      const moduleRef = await Test.createTestingModule({ imports: [sut.module] }).compile();
      expect(moduleRef.get(AppConfig)).toBe(config);
      await moduleRef.close();
    });
  });
});

describe('readEnvironment', () => {
  it('reads .env under the real variables and writes nothing back to the process', async () => {
    const file = dotEnv('PORT=4100\nGW_SPEC_ONLY=from-file\n');
    const sut = await withEnv({ PORT: '4200' }, NAMES, async () => {
      const env = await readEnvironment(file);
      return { env, leaked: process.env.GW_SPEC_ONLY };
    });

    expect(sut.env).toMatchObject({ PORT: '4200', GW_SPEC_ONLY: 'from-file' });
    expect(sut.leaked).toBeUndefined();
  });
});
