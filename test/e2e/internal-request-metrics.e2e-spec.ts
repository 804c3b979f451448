import request from 'supertest';
import { type TestApp, TEST_INTERNAL_SECRET, useApp } from '../support/app.js';
import { scrapeMetrics, sumOf } from '../support/metrics.js';

// gateway_internal_requests_total{action,transport="http"}: one count per authorised call of
// every internal HTTP route (counted by one interceptor on the controllers), none for a 401.

type Method = 'get' | 'post' | 'put' | 'delete';

const COUNTER = 'gateway_internal_requests_total';

function call(app: TestApp, method: Method, path: string, body?: object, secret: string | null = TEST_INTERNAL_SECRET) {
  const req = request(app.app.getHttpServer())[method](path);
  if (secret !== null) req.set('Authorization', `Bearer ${secret}`);
  return body === undefined ? req : req.send(body);
}

const ROUTES: Array<[action: string, method: Method, path: string, body: object | undefined, status: number]> = [
  ['emit', 'post', '/internal/emit', { userId: 'm-u', event: 'message' }, 200],
  ['emit_batch', 'post', '/internal/emit/batch', { items: [{ userId: 'm-u', event: 'message' }] }, 200],
  ['force_logout', 'post', '/internal/force-logout', { userId: 'm-u', sessionId: 's' }, 200],
  ['kick', 'post', '/internal/kick', { userId: 'm-u' }, 200],
  ['get_online_users', 'get', '/internal/presence?userIds=m-u', undefined, 200],
  ['notify', 'post', '/internal/notifications', { userId: 'm-u', notification: { type: 't' } }, 200],
  ['report_status', 'post', '/internal/status', { service: 'm-svc', status: 'up' }, 200],
  ['uptime_kuma', 'post', '/internal/webhooks/uptime-kuma', { heartbeat: null, monitor: null, msg: 'Uptime Kuma Webhook Testing' }, 200],
  ['chat_members', 'put', '/internal/chats/m-chat/members', { userIds: ['m-u'] }, 200],
  ['chat_members', 'post', '/internal/chats/m-chat/members', { userIds: ['m-v'] }, 200],
  ['chat_members', 'delete', '/internal/chats/m-chat/members/m-v', undefined, 200],
  ['friends', 'put', '/internal/users/m-u/friends', { friendIds: ['m-v'] }, 200],
  ['list_services', 'get', '/internal/services', undefined, 200],
  ['approve_service', 'post', '/internal/services/m-none/approve', undefined, 404],
  ['remove_service', 'delete', '/internal/services/m-none', undefined, 404],
];

describe('gateway_internal_requests_total on the internal HTTP routes', () => {
  const sut = useApp();

  it.each(ROUTES)('%s: %s %s counts once with transport http', async (action, method, path, body, status) => {
    const count = async () => sumOf(await scrapeMetrics(sut.url), COUNTER, { action, transport: 'http' });
    const before = await count();
    await call(sut, method, path, body).expect(status);
    expect((await count()) - before).toBe(1);
    await call(sut, method, path, body, 'wrong').expect(401);
    expect((await count()) - before).toBe(1);
  });

  it('labels nothing else: every action seen is one of the routes above', async () => {
    const actions = new Set(ROUTES.map(([action]) => action));
    const seen = (await scrapeMetrics(sut.url)).filter((s) => s.name === COUNTER && s.value > 0);
    expect(seen.length).toBeGreaterThan(0);
    for (const sample of seen) {
      expect(sample.labels.transport).toBe('http');
      expect(actions.has(sample.labels.action)).toBe(true);
    }
  });
});
