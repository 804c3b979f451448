import type { KeyObject } from 'node:crypto';
import jwt, { type Algorithm } from 'jsonwebtoken';
import type { AppConfig } from '../config/app-config.js';
import { readEnvironment } from '../config/environment.js';
import { loadConfig, loadTokenPrivateKey } from '../config/load-config.js';
import { parseFlags, runCli, UsageError } from './run-cli.js';

export const DEFAULT_TTL = '1h';
/** A year: past it a token is a credential nobody remembers handing out. */
const MAX_TTL_SEC = 365 * 24 * 3600;
const UNIT_SEC: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

const USAGE = `Usage: npm run token -- --user <id> [--session <id>] [--roles a,b] [--chats c1,c2] [--ttl 15m]

Prints a user token the gateway accepts, signed with the gateway's own configuration (the
environment, then .env in the working directory): JWT_SECRET for HS* algorithms, or
JWT_PRIVATE_KEY (read by this command only; it must pair with JWT_PUBLIC_KEY) for RS*, ES*
and PS*. JWT_ALGORITHMS picks the algorithm, JWT_ISSUER and JWT_AUDIENCE are included.
The token alone goes to stdout (TOKEN=$(npm run -s token -- --user alice)), a summary to stderr.

  --user, -u     the user id (the token's sub); required
  --session, -s  the session id (session_id); without it the gateway uses the token's hash
  --roles, -r    roles, comma-separated (admin reaches the admin events)
  --chats        chat ids the user is a member of (the chats claim)
  --ttl, -t      lifetime: a number of seconds, or with s, m, h or d (default ${DEFAULT_TTL})
  --help, -h     show this help
`;


export interface TokenOptions {
  user: string;
  session?: string;
  roles: string[];
  chats: string[];
  ttlSec: number;
  help: boolean;
}

/** `15m` → 900; a bare number is seconds. Throws on anything else, zero, or more than a year. */
export function parseTtl(value: string): number {
  const match = /^(\d{1,8})([smhd]?)$/.exec(value.trim());
  const seconds = match ? Number(match[1]) * UNIT_SEC[match[2] || 's'] : NaN;
  if (!(seconds > 0 && seconds <= MAX_TTL_SEC)) throw new UsageError(`--ttl must be like 900, 15m, 12h or 7d (at most 365d), not '${value.slice(0, 20)}'`);
  return seconds;
}

const list = (values: string[] | undefined): string[] =>
  (values ?? [])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v.length > 0);

/** Pure argument parsing; throws an Error with a one-line message on bad input. */
export function parseArgs(argv: string[]): TokenOptions {
  const { values } = parseFlags(argv, {
    user: { type: 'string', short: 'u' },
    session: { type: 'string', short: 's' },
    roles: { type: 'string', short: 'r', multiple: true },
    chats: { type: 'string', multiple: true },
    ttl: { type: 'string', short: 't' },
    help: { type: 'boolean', short: 'h' },
  });
  const help = values.help ?? false;
  const user = values.user?.trim() ?? '';
  if (!user && !help) throw new UsageError('--user is required (npm run token -- --user alice)');
  const session = values.session?.trim();
  if (values.session !== undefined && !session) throw new UsageError('--session is empty');
  return { user, session, roles: list(values.roles), chats: list(values.chats), ttlSec: parseTtl(values.ttl ?? DEFAULT_TTL), help };
}

export interface Signer {
  key: string | KeyObject;
  algorithm: Algorithm;
}

const CURVE_ALGORITHM: Record<string, Algorithm> = { prime256v1: 'ES256', secp384r1: 'ES384', secp521r1: 'ES512' };

/**
 * The key and algorithm to sign with: the first algorithm of JWT_ALGORITHMS the key can make.
 * Refuses development mode, whose secret is made afresh at each start of the gateway.
 */
export function signerFor(config: AppConfig, privateKey: KeyObject | undefined): Signer {
  const allowed = config.jwt.algorithms;
  if (privateKey) {
    const type = privateKey.asymmetricKeyType;
    const curve = privateKey.asymmetricKeyDetails?.namedCurve;
    const fits = (alg: Algorithm): boolean =>
      type === 'rsa' ? /^(RS|PS)/.test(alg) : type === 'rsa-pss' ? alg.startsWith('PS') : type === 'ec' ? alg === CURVE_ALGORITHM[curve ?? ''] : false;
    const algorithm = allowed.find(fits);
    if (!algorithm) throw new UsageError(`JWT_ALGORITHMS (${allowed.join(',')}) has no algorithm for JWT_PRIVATE_KEY's ${type ?? 'unknown'} key`);
    return { key: privateKey, algorithm };
  }
  if (config.generatedSecrets) {
    throw new UsageError(
      'neither JWT_SECRET nor JWT_PUBLIC_KEY is set: in development mode the gateway makes a new secret at each start (its banner prints a token); give the command and the gateway the same JWT_SECRET',
    );
  }
  const algorithm = allowed.find((alg) => alg.startsWith('HS'));
  if (!config.jwt.secret || !algorithm) {
    throw new UsageError('the gateway verifies RS*/ES*/PS* tokens (JWT_PUBLIC_KEY): set JWT_PRIVATE_KEY, the matching private key, for this command');
  }
  return { key: config.jwt.secret, algorithm };
}

/** The token: the claims the gateway reads (sub, session_id, roles, chats), exp, iss and aud as configured. */
export function signUserToken(options: TokenOptions, config: AppConfig, signer: Signer, now = Date.now()): string {
  const claims: Record<string, unknown> = { sub: options.user, iat: Math.floor(now / 1000) };
  if (options.session) claims.session_id = options.session;
  if (options.roles.length > 0) claims.roles = options.roles;
  if (options.chats.length > 0) claims.chats = options.chats;
  claims.exp = (claims.iat as number) + options.ttlSec;
  return jwt.sign(claims, signer.key, {
    algorithm: signer.algorithm,
    ...(config.jwt.issuer ? { issuer: config.jwt.issuer } : {}),
    ...(config.jwt.audience ? { audience: config.jwt.audience } : {}),
  });
}

async function main(argv: string[]): Promise<void> {
  const options = parseArgs(argv);
  if (options.help) {
    process.stdout.write(USAGE);
    return;
  }
  const env = await readEnvironment();
  const config = loadConfig(env);
  const signer = signerFor(config, loadTokenPrivateKey(env, config.jwt));
  const now = Date.now();
  const token = signUserToken(options, config, signer, now);
  const expires = new Date(now + options.ttlSec * 1000).toISOString();
  const details = [options.session && `session ${options.session}`, options.roles.length > 0 && `roles ${options.roles.join(',')}`, `${signer.algorithm}`, `expires ${expires}`];
  process.stderr.write(`token for "${options.user}" (${details.filter(Boolean).join(', ')})\n`);
  process.stdout.write(`${token}\n`);
}

runCli('token', import.meta.url, main);
