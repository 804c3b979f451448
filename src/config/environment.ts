import { ConfigModule } from '@nestjs/config';
import type { Env } from './load-config.js';

/**
 * The process environment with `.env` under it (real variables win), loaded as the app loads it
 * (`ConfigModule.forRoot`, see config.module.ts), for the programs of cli/ that run without the
 * app. Nothing is written back to the process environment.
 */
export async function readEnvironment(envFilePath = '.env'): Promise<Env> {
  let env: Env = {};
  await ConfigModule.forRoot({
    envFilePath,
    validate: (loaded) => {
      env = { ...(loaded as Env) };
      return {};
    },
  });
  return env;
}

/** SECRET_KEY / SECRET_IV for the producer CLI (empty means unset, as at start-up). */
export function codecSecretsFromEnvironment(): { secretKey?: string; secretIv?: string } {
  return { secretKey: process.env.SECRET_KEY || undefined, secretIv: process.env.SECRET_IV || undefined };
}

/** SOCKET_CONTROL_PREFIX for the producer CLI (the gateway's default when unset). */
export function controlPrefixFromEnvironment(): string {
  return process.env.SOCKET_CONTROL_PREFIX || 'socket:control';
}
