import jwt from 'jsonwebtoken';
import { MIN_REFRESH_DELAY_MS, refreshDelay, tokenExpiry } from './token.js';

describe('tokenExpiry', () => {
  it('reads exp (in ms) from a JWT without verifying it', () => {
    const exp = Math.floor(Date.now() / 1000) + 600;
    expect(tokenExpiry(jwt.sign({ sub: 'u', exp }, 'any-secret-0123456789'))).toBe(exp * 1000);
  });

  it('handles base64url payloads whose JSON needs padding and non-ASCII text', () => {
    const exp = 2_000_000_000;
    expect(tokenExpiry(jwt.sign({ sub: 'ü-é-漢', exp, x: '?>' }, 'any-secret-0123456789'))).toBe(exp * 1000);
  });

  it.each([
    ['an opaque token', 'not-a-jwt'],
    ['a payload that is not base64 JSON', 'a.%%%.c'],
    ['a token without exp', jwt.sign({ sub: 'u' }, 'any-secret-0123456789', { noTimestamp: true })],
    ['a string exp', `x.${Buffer.from(JSON.stringify({ exp: '123' })).toString('base64url')}.y`],
  ])('is undefined for %s', (_label, token) => {
    expect(tokenExpiry(token)).toBeUndefined();
  });
});

describe('refreshDelay', () => {
  it('waits for 80 % of the remaining lifetime', () => {
    expect(refreshDelay(3_600_000)).toBe(2_880_000);
    expect(refreshDelay(3000)).toBe(2400);
  });

  it('never refreshes sooner than the minimum delay, even when the token is (nearly) expired', () => {
    expect(refreshDelay(500)).toBe(MIN_REFRESH_DELAY_MS);
    expect(refreshDelay(-10_000)).toBe(MIN_REFRESH_DELAY_MS);
  });
});
