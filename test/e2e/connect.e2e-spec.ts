import request from 'supertest';
import { connectUser, nextEvent } from '../support/client.js';
import { TEST_INTERNAL_SECRET, redisEnv, uniquePrefix, userToken, useApp } from '../support/app.js';

describe.each([
  ['memory', () => ({})],
  ['redis', () => redisEnv(uniquePrefix('connect'))],
])('connect and receive a pushed event (%s engine)', (_engine, env) => {
  const sut = useApp(() => env());

  it('emits connected with the identity and delivers /internal/emit to the user room', async () => {
    const socket = await connectUser(sut.url, userToken('alice', 'sess-1'));
    const pushed = nextEvent(socket, 'notification:new');
    const res = await request(sut.app.getHttpServer())
      .post('/internal/emit')
      .set('Authorization', `Bearer ${TEST_INTERNAL_SECRET}`)
      .send({ userId: 'alice', event: 'notification:new', payload: { title: 'hi' } })
      .expect(200);
    expect(res.body).toEqual({ ok: true, data: { recipients: { total: 1, sent: 1, failed: 0 } } });
    await expect(pushed).resolves.toEqual({ title: 'hi' });
  });
});
