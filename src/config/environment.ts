import type { Env } from './load-config.js';
import { readDotEnv } from './load-config.js';

/** The process environment with `.env` merged in (real variables win): the one place it is read. */
export function readEnvironment(dotEnvFile = '.env'): Env {
  readDotEnv(process.env, dotEnvFile);
  return { ...process.env };
}

/** SECRET_KEY / SECRET_IV for the producer CLI (empty means unset, as at start-up). */
export function codecSecretsFromEnvironment(): { secretKey?: string; secretIv?: string } {
  return { secretKey: process.env.SECRET_KEY || undefined, secretIv: process.env.SECRET_IV || undefined };
}

/** SOCKET_CONTROL_PREFIX for the producer CLI (the gateway's default when unset). */
export function controlPrefixFromEnvironment(): string {
  return process.env.SOCKET_CONTROL_PREFIX || 'socket:control';
}
