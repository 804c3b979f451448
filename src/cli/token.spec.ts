import { generateKeyPairSync } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { loadConfig } from '../config/load-config.js';
import { parseArgs, parseTtl, signerFor, signUserToken } from './token.js';

describe('token CLI', () => {
  it.each([
    ['900', 900],
    ['15m', 900],
    ['12h', 43200],
    ['7d', 604800],
    ['365d', 31536000],
  ])('reads --ttl %s as %i s', (value, seconds) => {
    expect(parseTtl(value)).toBe(seconds);
  });

  it.each(['0', '366d', '1.5h', '-5m', '15 minutes', '', '1w'])('refuses --ttl %j', (value) => {
    expect(() => parseTtl(value)).toThrow('--ttl must be like');
  });

  it('splits repeated and comma-separated roles and chats, and requires --user', () => {
    expect(parseArgs(['--user', 'a', '--roles', 'admin,ops', '-r', 'qa', '--chats', 'c1, c2'])).toEqual({
      user: 'a',
      session: undefined,
      roles: ['admin', 'ops', 'qa'],
      chats: ['c1', 'c2'],
      ttlSec: 3600,
      help: false,
    });
    expect(() => parseArgs(['--roles', 'admin'])).toThrow('--user is required');
    expect(() => parseArgs(['--user', 'a', 'extra'])).toThrow();
  });

  it('signs with the first allowed algorithm the key can make', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const config = loadConfig({ JWT_PUBLIC_KEY: rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString(), JWT_ALGORITHMS: 'ES256,PS256,RS256' });
    const signer = signerFor(config, rsa.privateKey);
    expect(signer.algorithm).toBe('PS256');
    const token = signUserToken(parseArgs(['--user', 'u', '--chats', 'c1']), config, signer, 1_000_000);
    expect(jwt.decode(token, { complete: true })).toMatchObject({ header: { alg: 'PS256' }, payload: { sub: 'u', chats: ['c1'], iat: 1000, exp: 4600 } });

    const ec = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    const ecConfig = loadConfig({ JWT_PUBLIC_KEY: ec.publicKey.export({ type: 'spki', format: 'pem' }).toString(), JWT_ALGORITHMS: 'ES256' });
    expect(() => signerFor(ecConfig, ec.privateKey)).toThrow("JWT_ALGORITHMS (ES256) has no algorithm for JWT_PRIVATE_KEY's ec key");
  });

  it('refuses development mode, whose secret changes at every start', () => {
    expect(() => signerFor(loadConfig({}), undefined)).toThrow('neither JWT_SECRET nor JWT_PUBLIC_KEY is set');
    expect(signerFor(loadConfig({ JWT_SECRET: 'x'.repeat(32), JWT_ALGORITHMS: 'HS512,HS256' }), undefined).algorithm).toBe('HS512');
  });
});
