import { createHmac } from 'node:crypto';
import request from 'supertest';
import { type TestApp, TEST_INTERNAL_SECRET, TEST_JWT_SECRET, signToken, uniquePrefix, userToken, useApp, fresh, useApps, redisEnv } from '../support/app.js';
import { connectError, connectUser, disconnected, nextEvent, roundTrip, ack } from '../support/client.js';

// Token handling attacks of the security probe (issue 9, items 6, 9, 10; issue 10, items 4
// and 6): docs/protocol.md §2.1 claim types and room names, §2.2 refresh.

const nowSec = () => Math.floor(Date.now() / 1000);
const bearer = `Bearer ${TEST_INTERNAL_SECRET}`;

/** An HS256 token with the test secret and a payload jsonwebtoken would refuse to sign (odd claim types). */
function rawHs256(payload: Record<string, unknown>): string {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const input = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ exp: nowSec() + 3600, ...payload })}`;
  return `${input}.${createHmac('sha256', TEST_JWT_SECRET).update(input).digest('base64url')}`;
}

function http(app: TestApp) {
  return request(app.app.getHttpServer());
}

describe('auth:refresh under SESSION_POLICY=multi, two nodes on one Redis', () => {
  const [a, b] = useApps(2, () => ({ ...redisEnv(uniquePrefix('sec-auth')), SESSION_POLICY: 'multi' }), { closeClients: 'each' });

  it("a revoked session's token does not refresh a live socket, nor give it that token's roles", async () => {
    const u = fresh('u');
    const socket = await connectUser(a.url, userToken(u, 's-live'));
    const admin = await connectUser(b.url, userToken(u, 's-admin', { roles: ['admin'] }));
    const gone = disconnected(admin);
    await http(a).post('/internal/force-logout').set('Authorization', bearer).send({ userId: u, sessionId: 's-live' }).expect(200);
    await gone;

    const refused = await ack(socket, 'auth:refresh', { token: userToken(u, 's-admin', { roles: ['admin'] }) });
    expect(refused).toMatchObject({ ok: false, error: { code: 'SESSION_REVOKED' } });
    expect(await ack(socket, 'admin:refresh-status')).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });

    // A token of its own live session is accepted, and only then do its roles apply.
    expect(await ack(socket, 'auth:refresh', { token: userToken(u, 's-live', { roles: ['admin'] }) })).toMatchObject({ ok: true });
    expect(await ack(socket, 'admin:refresh-status')).toMatchObject({ ok: true });
  });
});

describe('tokens on the memory engine (single policy)', () => {
  const app = useApp({}, { closeClients: 'each' });

  it('a token without session_id/sid/jti refreshes the socket\'s current session (roles change on acceptance)', async () => {
    const u = fresh('seedless');
    const socket = await connectUser(app.url, signToken({ sub: u }));
    const renewed = signToken({ sub: u, roles: ['admin'] }, { expiresIn: 7200 });
    const res = await ack(socket, 'auth:refresh', { token: renewed });
    expect(res).toEqual({ ok: true, data: { expiresAt: expect.any(String) } });
    expect(await ack(socket, 'admin:refresh-status')).toMatchObject({ ok: true });
    // A token of another user is still refused.
    expect(await ack(socket, 'auth:refresh', { token: signToken({ sub: fresh('other') }) })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });

  it('a malformed token is AUTH_INVALID saying it is malformed, at the handshake and on refresh', async () => {
    const err = await connectError(app.url, 'not-a-jwt');
    expect(err.data).toEqual({ code: 'AUTH_INVALID', message: expect.stringMatching(/malformed/i) });
    const socket = await connectUser(app.url, userToken(fresh('u')));
    const res = await ack(socket, 'auth:refresh', { token: 'not-a-jwt' });
    expect(res).toMatchObject({ ok: false, error: { code: 'AUTH_INVALID', message: expect.stringMatching(/malformed/i) } });
  });

  it.each([
    ['a string nbf in the future', { nbf: String(nowSec() + 3600) }],
    ['a string nbf in the past', { nbf: String(nowSec() - 3600) }],
    ['a string iat', { iat: String(nowSec()) }],
    ['a string exp', { exp: String(nowSec() + 3600) }],
    ['a null exp', { exp: null }],
    ['an object nbf', { nbf: { at: 1 } }],
  ])('refuses %s as AUTH_INVALID', async (_label, claims) => {
    const err = await connectError(app.url, rawHs256({ sub: fresh('nbf'), ...claims }));
    expect(err.data).toEqual({ code: 'AUTH_INVALID', message: expect.any(String) });
  });

  it('session rooms never collide: revoking user "a:b" session "c" leaves user "a" session "b:c" connected', async () => {
    const base = fresh('a');
    const [userA, userAB] = [base, `${base}:b`];
    const victim = await connectUser(app.url, userToken(userA, 'b:c'));
    const other = await connectUser(app.url, userToken(userAB, 'c'));
    const otherGone = nextEvent(other, 'auth:logout');
    // A new session of "a:b" replaces session "c": only its sockets are logged out.
    await connectUser(app.url, userToken(userAB, 'd'));
    await otherGone;
    await roundTrip(victim);
    expect(victim.connected).toBe(true);
  });

  it('a payload refused for its depth or size acks VALIDATION_FAILED with details [{ field: "", errors }]', async () => {
    const socket = await connectUser(app.url, userToken(fresh('deep')));
    let deep: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < 40; i++) deep = { deep };
    const wide = { values: Array.from({ length: 20_001 }, (_, i) => i) };
    for (const metadata of [deep, wide]) {
      const res = await ack(socket, 'send_message', { recipientIds: ['x'], message: 'm', metadata });
      expect(res).toEqual({
        ok: false,
        error: { code: 'VALIDATION_FAILED', message: expect.any(String), details: [{ field: '', errors: [expect.any(String)] }] },
      });
    }
  });
});
