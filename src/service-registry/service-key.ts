import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const scrypt = promisify(scryptCb) as (key: string, salt: Buffer, len: number, opts: { N: number; r: number; p: number }) => Promise<Buffer>;
const PARAMS = { N: 2 ** 14, r: 8, p: 1 };
const LENGTH = 32;

/** Service keys are kept only as scrypt hashes: `scrypt$N$r$p$salt$hash` (base64). */
export async function hashServiceKey(key: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(key, salt, LENGTH, PARAMS);
  return ['scrypt', PARAMS.N, PARAMS.r, PARAMS.p, salt.toString('base64'), hash.toString('base64')].join('$');
}

/** Constant-time check of `key` against a stored hash; false for any malformed hash. */
export async function verifyServiceKey(key: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  // A hash part decoding to no bytes would compare equal to any key's zero-length derivation.
  if (expected.length !== LENGTH) return false;
  let actual: Buffer;
  try {
    actual = await scrypt(key, Buffer.from(salt, 'base64'), LENGTH, { N: Number(n), r: Number(r), p: Number(p) });
  } catch (err) {
    // Invalid N/r/p (not numbers, N not a power of two, over the memory limit) make a malformed hash.
    if (INVALID_PARAMS.has((err as { code?: string }).code ?? '')) return false;
    throw err;
  }
  return timingSafeEqual(actual, expected);
}

const INVALID_PARAMS = new Set(['ERR_OUT_OF_RANGE', 'ERR_CRYPTO_INVALID_SCRYPT_PARAMS', 'ERR_INVALID_ARG_TYPE']);

/**
 * What an operator compares before approving a registration: a short SHA-256 prefix of the key.
 * The service's owner computes the same from the key they hold
 * (`printf %s "$KEY" | sha256sum | cut -c1-16`); 64 bits tell keys apart and give a random key away no more than its scrypt hash does.
 */
export function serviceKeyFingerprint(key: string): string {
  return `sha256:${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
}
