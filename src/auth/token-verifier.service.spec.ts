import { createHash, generateKeyPairSync } from 'node:crypto';
import { JwtService } from '@nestjs/jwt';
import jwt from 'jsonwebtoken';
import { AppError } from '../common/error-codes.js';
import { loadConfig } from '../config/load-config.js';
import { TokenVerifier } from './token-verifier.service.js';

const SECRET = 'verifier-secret-0123456789abcdef';
const nowSec = () => Math.floor(Date.now() / 1000);

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof AppError) return err.code;
    throw err;
  }
  return 'OK';
}

function base64url(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

describe('TokenVerifier', () => {
  const sut = new TokenVerifier(new JwtService({}), loadConfig({ JWT_SECRET: SECRET }));
  const sign = (claims: Record<string, unknown> & { exp?: number }, opts: jwt.SignOptions = {}, key: jwt.Secret = SECRET) =>
    jwt.sign(claims, key, { algorithm: 'HS256', ...(claims.exp === undefined ? { expiresIn: 3600 } : {}), ...opts });

  describe('verify: identity claims', () => {
    it.each([
      [{ user_id: 'a', userId: 'b', sub: 'c' }, 'a'],
      [{ userId: 'b', sub: 'c' }, 'b'],
      [{ sub: 'c' }, 'c'],
    ])('takes the user id from user_id, userId, then sub (%j)', (claims, expected) => {
      expect(sut.verify(sign(claims)).userId).toBe(expected);
    });

    it.each([
      [{ session_id: 's1', sid: 's2', jti: 'j' }, 's1'],
      [{ sid: 's2', jti: 'j' }, 's2'],
      [{ jti: 'j' }, 'j'],
    ])('takes the session id from session_id, sid, then jti (%j)', (claims, expected) => {
      expect(sut.verify(sign({ sub: 'u', ...claims })).sessionId).toBe(expected);
    });

    it('falls back to a hash of the token for the session id', () => {
      const token = sign({ sub: 'u' });
      const expected = createHash('sha256').update(token).digest('hex').slice(0, 32);
      expect(sut.verify(token).sessionId).toBe(expected);
    });

    it('reads roles from an array or a single role, and chats', () => {
      expect(sut.verify(sign({ sub: 'u', roles: ['admin', 7, 'ops'] })).roles).toEqual(['admin', 'ops']);
      expect(sut.verify(sign({ sub: 'u', role: 'admin' })).roles).toEqual(['admin']);
      expect(sut.verify(sign({ sub: 'u' })).roles).toEqual([]);
      expect(sut.verify(sign({ sub: 'u', chats: ['c1', '', 5, 'c2'] })).chats).toEqual(['c1', 'c2']);
    });

    it('exposes the expiry in ms', () => {
      const exp = nowSec() + 600;
      expect(sut.verify(sign({ sub: 'u', exp })).expiresAt).toBe(exp * 1000);
    });

    it.each([[{}], [{ sub: '' }], [{ user_id: 42 }], [{ sub: 'x'.repeat(129) }], [{ sub: 'u', session_id: 5 }]])(
      'rejects a token without a valid user or session id (%j) as AUTH_INVALID',
      (claims) => {
        expect(codeOf(() => sut.verify(sign(claims)))).toBe('AUTH_INVALID');
      },
    );
  });

  describe('verify: signature and algorithms', () => {
    it('rejects a wrong signature, garbage and oversized input as AUTH_INVALID', () => {
      expect(codeOf(() => sut.verify(sign({ sub: 'u' }, {}, 'another-secret-0123456789')))).toBe('AUTH_INVALID');
      expect(codeOf(() => sut.verify('not.a.jwt'))).toBe('AUTH_INVALID');
      expect(codeOf(() => sut.verify('x'.repeat(9000)))).toBe('AUTH_INVALID');
    });

    it('rejects alg "none" and algorithms outside the allowlist', () => {
      const none = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ sub: 'u', exp: nowSec() + 60 })}.`;
      expect(codeOf(() => sut.verify(none))).toBe('AUTH_INVALID');
      expect(codeOf(() => sut.verify(sign({ sub: 'u' }, { algorithm: 'HS512' })))).toBe('AUTH_INVALID');
    });

    it('verifies RS256 with the public key and refuses HS256 signed with that public key', () => {
      const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const pub = publicKey.export({ type: 'spki', format: 'pem' }).toString();
      const rs = new TokenVerifier(new JwtService({}), loadConfig({ JWT_PUBLIC_KEY: pub, JWT_ALGORITHMS: 'RS256' }));
      const good = jwt.sign({ sub: 'rsa-user' }, privateKey, { algorithm: 'RS256', expiresIn: 60 });
      expect(rs.verify(good).userId).toBe('rsa-user');
      const confused = `${base64url({ alg: 'HS256', typ: 'JWT' })}.${base64url({ sub: 'x', exp: nowSec() + 60 })}`;
      const sig = createHash('sha256').update(confused).digest('base64url');
      expect(codeOf(() => rs.verify(`${confused}.${sig}`))).toBe('AUTH_INVALID');
    });
  });

  describe('verify: time claims', () => {
    it('rejects an expired token as AUTH_EXPIRED', () => {
      expect(codeOf(() => sut.verify(sign({ sub: 'u', exp: nowSec() - 1 })))).toBe('AUTH_EXPIRED');
    });

    it('rejects nbf or iat beyond 30 s in the future, accepts within the leeway', () => {
      expect(codeOf(() => sut.verify(sign({ sub: 'u', nbf: nowSec() + 300 })))).toBe('AUTH_INVALID');
      expect(codeOf(() => sut.verify(sign({ sub: 'u', iat: nowSec() + 300 })))).toBe('AUTH_INVALID');
      expect(codeOf(() => sut.verify(sign({ sub: 'u', nbf: nowSec() + 10, iat: nowSec() + 10 })))).toBe('OK');
    });
  });

  describe('verify: issuer and audience', () => {
    const strict = new TokenVerifier(
      new JwtService({}),
      loadConfig({ JWT_SECRET: SECRET, JWT_ISSUER: 'api.example', JWT_AUDIENCE: 'gateway' }),
    );

    it('enforces both when configured', () => {
      expect(codeOf(() => strict.verify(sign({ sub: 'u' }, { issuer: 'api.example', audience: 'gateway' })))).toBe('OK');
      expect(codeOf(() => strict.verify(sign({ sub: 'u' }, { issuer: 'evil', audience: 'gateway' })))).toBe('AUTH_INVALID');
      expect(codeOf(() => strict.verify(sign({ sub: 'u' }, { issuer: 'api.example', audience: 'other' })))).toBe('AUTH_INVALID');
      expect(codeOf(() => strict.verify(sign({ sub: 'u' })))).toBe('AUTH_INVALID');
    });
  });
});
