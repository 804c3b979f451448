import { REDACTED, redact } from './redact.js';

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1In0.c2lnbmF0dXJl';

describe('redact', () => {
  it('replaces the values of credential keys at any depth', () => {
    const sut = redact({ headers: { authorization: `Bearer x`, cookie: 'a=b', host: 'h' }, auth: { token: 't', serviceKey: 'k' }, n: 1 });
    expect(sut).toEqual({ headers: { authorization: REDACTED, cookie: REDACTED, host: 'h' }, auth: { token: REDACTED, serviceKey: REDACTED }, n: 1 });
  });

  it('removes JWTs and token parameters from strings', () => {
    expect(redact(`Bearer ${JWT}`)).toBe(`Bearer ${REDACTED}`);
    expect(redact(`/socket.io/?token=abc&EIO=4`)).toBe(`/socket.io/?token=${REDACTED}&EIO=4`);
    expect(redact(['hi', { text: `my token is ${JWT}` }])).toEqual(['hi', { text: `my token is ${REDACTED}` }]);
  });

  it('leaves the original untouched and other values as they are', () => {
    const original = { auth: { token: 't' }, when: new Date(0), list: [1, 'two'] };
    const copy = redact(original) as typeof original;
    expect(original.auth.token).toBe('t');
    expect(copy.when).toBe(original.when);
    expect(copy.list).toEqual([1, 'two']);
  });

  it('cuts what is nested too deep', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 20; i++) deep = { a: deep };
    expect(JSON.stringify(redact(deep))).toContain('[truncated]');
  });
});
