import { createHash } from 'node:crypto';
import request from 'supertest';
import { TEST_INTERNAL_SECRET, TEST_JWT_SECRET, uniquePrefix, useApp, fresh, redisEnv } from '../support/app.js';
import { type ClientSocket, type ConnectErrorLike, closeAllClients, connectError, createClient, firstOf, ack, type AckBody } from '../support/client.js';
import { assertBuilt, killAllGateways, spawnGateway, untilLive } from '../support/node-process.js';
import { eventually } from '../support/eventually.js';
import { freePort } from '../support/redis-server.js';
import { BILLING_KEY } from '../support/services.js';

// docs/protocol.md §6.2 Abuse (issue 9, items 4 and 5): `/internal` handshakes and failed credential
// attempts limited per client IP, cheap checks before any key hash, names unique without
// regard to case, pending registrations expiring, and a start-up warning for open registration.

const SERVICES = JSON.stringify({ billing: { key: BILLING_KEY, type: 'billing' } });

const from = (ip: string) => ({ extraHeaders: { 'X-Forwarded-For': ip } });

async function anonymous(url: string, ip: string): Promise<ClientSocket> {
  const socket = createClient(`${url}/internal`, from(ip));
  const { event, payload } = await firstOf<ConnectErrorLike>(socket, ['connect', 'connect_error']);
  if (event === 'connect_error') throw new Error(`connect_error ${payload.message}`);
  return socket;
}

async function service(url: string, ip: string, serviceName: string, serviceKey: string): Promise<{ event: string; payload: ConnectErrorLike }> {
  const socket = createClient(`${url}/internal`, { auth: { serviceName, serviceKey }, ...from(ip) });
  return firstOf<ConnectErrorLike>(socket, ['authenticated', 'connect_error']);
}

const codes = (acks: AckBody[]) => acks.map((a) => (a.ok ? 'OK' : a.error.code));

describe('/internal rate limits per client IP (RATE_LIMIT_MAX_CONNECTIONS=5, one trusted proxy)', () => {
  const app = useApp({ INTERNAL_SERVICES: SERVICES, TRUST_PROXY: '1', RATE_LIMIT_MAX_CONNECTIONS: '5' }, { closeClients: 'each' });

  it('120 wrong authenticate_service calls on one socket: at most 5 are checked, the rest RATE_LIMITED; other IPs are unaffected', async () => {
    const attacker = await anonymous(app.url, '203.0.113.1');
    const acks = await Promise.all(
      Array.from({ length: 120 }, (_, i) => ack(attacker, 'authenticate_service', { serviceName: 'billing', serviceKey: `guess-${i}-0123456789` }, 10_000)),
    );
    const seen = codes(acks);
    const checked = seen.filter((c) => c === 'AUTH_INVALID').length;
    expect(checked).toBeGreaterThanOrEqual(1);
    expect(checked).toBeLessThanOrEqual(5);
    expect(seen.filter((c) => c === 'RATE_LIMITED')).toHaveLength(120 - checked);
    const limited = acks.find((a) => !a.ok && a.error.code === 'RATE_LIMITED') as { error: { details: { retryAfterMs: number } } };
    expect(limited.error.details.retryAfterMs).toEqual(expect.any(Number));

    // Sequential guesses run out of budget too; then even the right key is refused on that IP, before any hash.
    // (A second socket from the same address: the first one's authentication deadline may pass on a loaded machine.)
    const again = await anonymous(app.url, '203.0.113.1');
    for (let i = checked; i < 5; i++) {
      expect(codes([await ack(again, 'authenticate_service', { serviceName: 'billing', serviceKey: `more-${i}-0123456789` })])).toEqual(['AUTH_INVALID']);
    }
    expect(codes([await ack(again, 'authenticate_service', { serviceName: 'billing', serviceKey: BILLING_KEY })])).toEqual(['RATE_LIMITED']);
    const refused = await service(app.url, '203.0.113.1', 'billing', BILLING_KEY);
    expect(refused).toMatchObject({ event: 'connect_error', payload: { message: 'RATE_LIMITED' } });

    // The service itself, on its own address, authenticates at once.
    expect((await service(app.url, '203.0.113.2', 'billing', BILLING_KEY)).event).toBe('authenticated');
  });

  it('limits /internal handshakes per IP like user handshakes', async () => {
    for (let i = 0; i < 5; i++) (await anonymous(app.url, '203.0.113.3')).close();
    const err = await connectError(`${app.url}/internal`, undefined, from('203.0.113.3'));
    expect(err.data).toEqual({ code: 'RATE_LIMITED', message: expect.any(String) });
  });

  it('failed register_service attempts count against the same budget', async () => {
    const socket = await anonymous(app.url, '203.0.113.4');
    const acks: AckBody[] = [];
    for (let i = 0; i < 6; i++) {
      const name = fresh('reg');
      acks.push(await ack(socket, 'register_service', { serviceName: name, serviceKey: `key-of-${name}-0123456789`, serviceType: 'crm' }));
    }
    // Registration is off: each attempt fails (FORBIDDEN) until the budget is used.
    expect(codes(acks)).toEqual(['FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN', 'RATE_LIMITED']);
  });
});

describe('register_service abuse (Redis engine, approval required, MAX_SERVICES=3)', () => {
  const app = useApp(() => ({ ...redisEnv(uniquePrefix('reg-abuse')), INTERNAL_SERVICES: SERVICES, SERVICE_REGISTRATION: 'true', MAX_SERVICES: '3' }), { closeClients: 'each' });
  const http = () => request(app.app.getHttpServer());

  it('names are unique without regard to case; a pending registration shows when it expires (24 h)', async () => {
    const socket = await anonymous(app.url, '127.0.0.1');
    const register = (serviceName: string) => ack(socket, 'register_service', { serviceName, serviceKey: `key-of-${serviceName}-0123456789`, serviceType: 'crm' });
    expect(codes([await register('Billing'), await register('BILLING')])).toEqual(['VALIDATION_FAILED', 'VALIDATION_FAILED']);
    const before = Date.now();
    expect(await register('acme')).toEqual({ ok: true, data: { serviceName: 'acme', status: 'pending' } });
    const after = Date.now();
    expect(codes([await register('ACME'), await register('Acme')])).toEqual(['VALIDATION_FAILED', 'VALIDATION_FAILED']);

    const list = await http().get('/internal/services').set('Authorization', `Bearer ${TEST_INTERNAL_SECRET}`).expect(200);
    const acme = (list.body.data.services as Array<{ name: string; expiresAt?: string }>).find((s) => s.name === 'acme');
    expect(Date.parse(acme!.expiresAt!)).toBeGreaterThanOrEqual(before + 24 * 3600 * 1000);
    expect(Date.parse(acme!.expiresAt!)).toBeLessThanOrEqual(after + 24 * 3600 * 1000);
    // Approval keeps it: the expiry is gone.
    const approved = await http().post('/internal/services/ACME/approve').set('Authorization', `Bearer ${TEST_INTERNAL_SECRET}`).expect(200);
    expect(approved.body.data.service).toMatchObject({ name: 'acme', status: 'active' });
    expect(approved.body.data.service.expiresAt).toBeUndefined();
  });
});

describe('start-up warning for open registration', () => {
  beforeAll(() => assertBuilt());
  afterAll(async () => killAllGateways());

  const env = async (extra: Record<string, string>) => ({
    PORT: String(await freePort()),
    HOST: '127.0.0.1',
    JWT_SECRET: TEST_JWT_SECRET,
    INTERNAL_SECRET: TEST_INTERNAL_SECRET,
    LOG_LEVEL: 'info',
    SERVICE_REGISTRATION: 'true',
    REQUIRE_SERVICE_APPROVAL: 'false',
    ...extra,
  });
  const WARNING = /REQUIRE_SERVICE_APPROVAL=false on the public port/;
  const SHARED_PORT_WARNING = /SERVICE_REGISTRATION=true on the public port/;

  it('warns when registration is open without approval on the shared port, not with a private INTERNAL_PORT', async () => {
    const shared = await spawnGateway(await env({}));
    await untilLive(shared);
    await eventually('the warning in the log', async () => shared.stdout(), (out) => WARNING.test(out));

    const split = await spawnGateway(await env({ INTERNAL_PORT: String(await freePort()) }));
    await untilLive(split);
    // Start-up is logged in order: once it says it listens, a warning would have come before.
    await eventually('the start-up log', async () => split.stdout(), (out) => out.includes('Gateway listening'));
    expect(split.stdout()).not.toMatch(WARNING);
    expect(split.stdout()).not.toMatch(SHARED_PORT_WARNING);
  });

  it('warns about registration on the shared port even with approval required', async () => {
    const shared = await spawnGateway(await env({ REQUIRE_SERVICE_APPROVAL: 'true' }));
    await untilLive(shared);
    await eventually('the warning in the log', async () => shared.stdout(), (out) => SHARED_PORT_WARNING.test(out));
    expect(shared.stdout()).not.toMatch(WARNING);
  });
});

describe('who registered a pending service (SERVICE_REGISTRATION=true, shared port, one trusted proxy)', () => {
  const sut = useApp({ INTERNAL_SERVICES: SERVICES, SERVICE_REGISTRATION: 'true', TRUST_PROXY: '1' });
  const list = () => request(sut.app.getHttpServer()).get('/internal/services').set('Authorization', `Bearer ${TEST_INTERNAL_SECRET}`).expect(200);
  afterEach(() => closeAllClients());

  it('shows the registrant\'s address and key fingerprint, so the operator can tell an impostor before approving', async () => {
    const name = `payments-${fresh('p').slice(-12)}`;
    const key = `the-real-looking-key-${name}`;
    const socket = await anonymous(sut.url, '198.51.100.23');
    expect(await ack(socket, 'register_service', { serviceName: name, serviceKey: key, serviceType: 'payments' })).toMatchObject({ ok: true });
    const services = (await list()).body.data.services as Array<{ name: string; registrant?: { address: string; keyFingerprint: string } }>;
    const fingerprint = createHash('sha256').update(key).digest('hex').slice(0, 16);
    expect(services.find((s) => s.name === name)?.registrant).toEqual({ address: '198.51.100.23', keyFingerprint: `sha256:${fingerprint}` });
    // Configured services have no registrant.
    expect(services.find((s) => s.name === 'billing')?.registrant).toBeUndefined();
  });

  it('caps pending registrations per address; another address may still register', async () => {
    const socket = await anonymous(sut.url, '198.51.100.99');
    const register = (serviceName: string) => ack(socket, 'register_service', { serviceName, serviceKey: `key-of-${serviceName}-0123456789`, serviceType: 'crm' });
    const names = Array.from({ length: 5 }, (_, i) => `cap${i}-${fresh('c').slice(-10)}`);
    const outcomes = [];
    for (const n of names) outcomes.push(await register(n));
    expect(codes(outcomes)).toEqual(['OK', 'OK', 'OK', 'RATE_LIMITED', 'RATE_LIMITED']);
    const other = await anonymous(sut.url, '198.51.100.100');
    expect(await ack(other, 'register_service', { serviceName: `other-${fresh('o').slice(-10)}`, serviceKey: 'key-of-other-0123456789', serviceType: 'crm' })).toMatchObject({ ok: true });
  });
});
