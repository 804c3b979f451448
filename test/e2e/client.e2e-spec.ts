import { type ConnectionState, connectGateway, connectService, type GatewayClient, GatewayError, type RequestOptions, type ServiceClient, type SessionEnded } from '../../packages/client/src/index.js';
import jwt from 'jsonwebtoken';
import type { ChatMessage, EmitAck, UserSendReport } from '../../src/socket/events.js';
import { closeAllClients, connectUser } from '../support/client.js';
import { signToken, startApp, TEST_INTERNAL_SECRET, type TestApp, userToken } from '../support/app.js';
import { BILLING_KEY } from '../support/services.js';
import { eventually } from '../support/eventually.js';
import { LifecycleService } from '../../src/lifecycle/lifecycle.service.js';

// The typed client (packages/client, `@realtime-gateway/client`; its tarball: client-package.e2e-spec.ts) against a real gateway: token refresh,
// error codes, timeouts, session end, recovery and the /internal service variant.

const WAIT_MS = 10_000;

let gateway: TestApp;
const clients: Array<GatewayClient | ServiceClient> = [];
let seq = 0;

function fresh(label: string): string {
  seq += 1;
  return `${label}-${process.pid}-${seq}`;
}

/** A getToken that signs a new token each call (lifetime `expiresIn` seconds) and counts its calls. */
function tokenSource(userId: string, expiresIn: number | string = 3600) {
  const source = {
    calls: 0,
    tokens: [] as string[],
    getToken: () => {
      source.calls += 1;
      const token = signToken({ sub: userId, session_id: `s-${userId}` }, { expiresIn });
      source.tokens.push(token);
      return token;
    },
  };
  return source;
}

function track<T extends GatewayClient | ServiceClient>(client: T): T {
  clients.push(client);
  return client;
}

function user(userId: string, getToken: () => string | Promise<string>, opts: { requestTimeout?: number } = {}): GatewayClient {
  return track(connectGateway(gateway.url, { getToken, transports: ['websocket'], forceNew: true, ...opts }));
}

/** Resolves with the first call of a client event handler's argument. */
function once<T>(subscribe: (handler: (value: T) => void) => void, what: string, timeoutMs = WAIT_MS): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
    subscribe((value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

type StateSource = { state: ConnectionState; on(event: 'state', handler: (state: ConnectionState) => void): unknown };

function untilConnected(client: StateSource): Promise<void> {
  if (client.state === 'connected') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for the client to connect (state ${client.state})`)), WAIT_MS);
    client.on('state', (state) => {
      if (state === 'connected') {
        clearTimeout(timer);
        resolve();
      }
      if (state === 'ended') {
        clearTimeout(timer);
        reject(new Error('the session ended instead of connecting'));
      }
    });
  });
}

async function rejection(promise: Promise<unknown>): Promise<GatewayError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof GatewayError) return err;
    throw err;
  }
  throw new Error('expected the request to reject');
}

async function internal(path: string, body: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${gateway.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_INTERNAL_SECRET}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

beforeAll(async () => {
  gateway = await startApp({ INTERNAL_SERVICES: JSON.stringify({ billing: { key: BILLING_KEY, type: 'billing' } }) });
});
afterEach(() => {
  for (const c of clients.splice(0)) c.close();
  closeAllClients();
});
afterAll(() => gateway.close());

describe('connectGateway', () => {
  it('authenticates with getToken and passes typed server events to on()', async () => {
    const id = fresh('hello');
    const source = tokenSource(id);
    const sut = user(id, source.getToken);
    const connected = await once<{ userId: string; socketId: string }>((h) => sut.on('connected', h), 'connected');
    expect(connected.userId).toBe(id);
    expect(connected.socketId).toBe(sut.id);
    expect(sut.state).toBe('connected');
    expect(source.calls).toBe(1);
  });

  it('refreshes the token before it expires, on the same socket, without a disconnect', async () => {
    const id = fresh('refresh');
    const source = tokenSource(id, 3);
    const sut = user(id, source.getToken);
    await untilConnected(sut);
    const socketId = sut.id;
    const disconnects: string[] = [];
    const expired: unknown[] = [];
    sut.socket.on('disconnect', (reason) => disconnects.push(reason));
    sut.on('auth:expired', (p) => expired.push(p));

    // Two refreshes: the second one comes after the first token's exp (80 % of 3 s, twice).
    const refreshes: Array<string | null> = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('timed out waiting for two refreshes')), 15_000);
      sut.on('token:refreshed', ({ expiresAt }) => {
        refreshes.push(expiresAt);
        if (refreshes.length === 2) {
          clearTimeout(timer);
          resolve();
        }
      });
      sut.on('token:refresh-failed', (err) => reject(err));
    });

    // The socket outlived the handshake token: its exp has passed, and no auth:expired came.
    const firstExp = (jwt.decode(source.tokens[0]!) as { exp: number }).exp * 1000;
    expect(Date.now()).toBeGreaterThan(firstExp);
    expect(refreshes[1]).toBe(new Date((jwt.decode(source.tokens[2]!) as { exp: number }).exp * 1000).toISOString());
    expect(source.calls).toBe(3);
    expect(sut.id).toBe(socketId);
    expect(sut.connected).toBe(true);
    expect(disconnects).toEqual([]);
    expect(expired).toEqual([]);
    // Still a working socket after the first token's exp.
    await expect(sut.request('get_online_users')).resolves.toEqual({ users: [] });
  });

  it('rejects with the gateway code and details (VALIDATION_FAILED, FORBIDDEN) and keeps the socket usable', async () => {
    const id = fresh('codes');
    const sut = user(id, tokenSource(id).getToken);
    await untilConnected(sut);

    // @ts-expect-error chatId is required (the same DTO refuses it at run time)
    const invalid = await rejection(sut.request('chat:join', {}));
    expect(invalid).toBeInstanceOf(GatewayError);
    expect(invalid.code).toBe('VALIDATION_FAILED');
    expect(invalid.details).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'chatId' })]));

    const forbidden = await rejection(sut.request('chat:join', { chatId: fresh('not-a-member') }));
    expect(forbidden.code).toBe('FORBIDDEN');
    expect(forbidden.message).toEqual(expect.any(String));

    const other = fresh('recipient');
    const sent = await sut.request('send_message', { recipientIds: [other], message: 'hi' });
    expect(sent).toMatchObject({ recipients: { total: 1, accepted: [other] }, timestamp: expect.any(String) });
  });

  it('rejects with TIMEOUT when no ack comes in time, and the socket stays connected', async () => {
    const id = fresh('timeout');
    const sut = user(id, tokenSource(id).getToken);
    await untilConnected(sut);
    // The gateway ignores unknown events (no ack): the request can only time out.
    const untyped = sut.request as unknown as (event: string, payload: unknown, options: RequestOptions) => Promise<unknown>;
    const err = await rejection(untyped.call(sut, 'no:such-event', { x: 1 }, { timeout: 300 }));
    expect(err.code).toBe('TIMEOUT');
    expect(err.message).toContain('no:such-event');
    expect(sut.connected).toBe(true);
    await expect(sut.request('get_online_users')).resolves.toEqual({ users: [] });
  });

  it('recovers after a dropped connection, calling getToken again for the new handshake', async () => {
    const id = fresh('recover');
    const source = tokenSource(id);
    const sut = user(id, source.getToken);
    await untilConnected(sut);
    const socketId = sut.id;
    expect(sut.recovered).toBe(false);
    const reconnected = once<void>((h) => sut.socket.once('connect', () => h()), 'connect');
    sut.socket.io.engine.close();
    await reconnected;
    expect(sut.recovered).toBe(true);
    expect(sut.id).toBe(socketId);
    expect(source.calls).toBe(2);
    expect(sut.state).toBe('connected');
  });

  it('ends the session once on auth:logout (kick with invalidation) and does not reconnect', async () => {
    const id = fresh('kicked');
    const source = tokenSource(id);
    const sut = user(id, source.getToken);
    await untilConnected(sut);
    const ended: SessionEnded[] = [];
    sut.on('session:ended', (e) => ended.push(e));
    const endedNow = once<SessionEnded>((h) => sut.on('session:ended', h), 'session:ended');

    expect((await internal('/internal/kick', { userId: id, reason: 'banned', invalidateSession: true })).status).toBe(200);

    expect(await endedNow).toEqual({ code: 'SESSION_REVOKED', reason: 'banned' });
    expect(ended).toHaveLength(1);
    expect(sut.state).toBe('ended');
    expect(sut.socket.active).toBe(false);
    expect(source.calls).toBe(1);
    await expect(sut.request('get_online_users')).rejects.toMatchObject({ code: 'DISCONNECTED' });
    // The revoked session really is refused, so a reconnecting client would have looped.
    await expect(connectUser(gateway.url, userToken(id))).rejects.toThrow('SESSION_REVOKED');
  });

  it('ends the session once when the handshake is refused SESSION_REVOKED or AUTH_EXPIRED', async () => {
    const id = fresh('revoked');
    const first = user(id, tokenSource(id).getToken);
    await untilConnected(first);
    await internal('/internal/kick', { userId: id, invalidateSession: true });

    const source = tokenSource(id);
    const sut = user(id, source.getToken);
    expect(await once<SessionEnded>((h) => sut.on('session:ended', h), 'session:ended')).toEqual({ code: 'SESSION_REVOKED', reason: expect.any(String) });
    expect(sut.socket.active).toBe(false);
    expect(source.calls).toBe(1);

    const expiredId = fresh('expired');
    let calls = 0;
    const stale = user(expiredId, () => {
      calls += 1;
      return signToken({ sub: expiredId, exp: Math.floor(Date.now() / 1000) - 60 });
    });
    expect(await once<SessionEnded>((h) => stale.on('session:ended', h), 'session:ended')).toEqual({ code: 'AUTH_EXPIRED', reason: expect.any(String) });
    expect(stale.state).toBe('ended');
    expect(stale.socket.active).toBe(false);
    expect(calls).toBe(1);
  });

  it('ends the session with AUTH_EXPIRED when the token runs out and no fresh one comes', async () => {
    const id = fresh('runs-out');
    const token = signToken({ sub: id, session_id: `s-${id}` }, { expiresIn: 2 });
    const sut = user(id, () => token);
    await untilConnected(sut);
    const ended = await once<SessionEnded>((h) => sut.on('session:ended', h), 'session:ended');
    expect(ended).toEqual({ code: 'AUTH_EXPIRED', reason: 'Token expired' });
    expect(sut.socket.active).toBe(false);
  });
});

describe('server-side disconnects that do not end the session', () => {
  let idle: TestApp;

  beforeAll(async () => {
    idle = await startApp({
      MAX_IDLE_TIME: '1000',
      SERVICE_SESSION_IDLE_TIMEOUT: '1',
      INTERNAL_SERVICES: JSON.stringify({ billing: { key: BILLING_KEY, type: 'billing' } }),
    });
  });
  afterAll(() => idle.close());

  it('a user client disconnected for idleness connects again by itself, with a fresh token', async () => {
    const id = fresh('idle');
    const source = tokenSource(id);
    const sut = track(connectGateway(idle.url, { getToken: source.getToken, transports: ['websocket'], forceNew: true }));
    const reasons: string[] = [];
    sut.socket.on('disconnect', (reason) => reasons.push(reason));
    const sessions: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for a second connection; disconnects ${JSON.stringify(reasons)}`)), 15_000);
      sut.on('connected', (p) => {
        sessions.push(p.socketId);
        if (sessions.length === 2) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    expect(reasons[0]).toBe('io server disconnect');
    expect(source.calls).toBe(2);
    expect(sut.state).toBe('connected');
  });

  it('a service whose session the gateway ended (session:expired) connects again with a new session', async () => {
    const service = track(connectService(idle.url, { serviceName: 'billing', serviceKey: BILLING_KEY, transports: ['websocket'], forceNew: true }));
    const expired: unknown[] = [];
    service.on('session:expired', (e) => expired.push(e));
    const sessions: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('timed out waiting for a second service session')), 15_000);
      service.on('authenticated', (info) => {
        sessions.push(info.sessionId);
        if (sessions.length === 2) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    expect(expired).toEqual([expect.objectContaining({ reason: 'idle', sessionId: sessions[0] })]);
    expect(sessions[1]).not.toBe(sessions[0]);
    await expect(service.request('get_online_users', { userIds: ['nobody'] })).resolves.toEqual({ users: expect.any(Array) });
  });
});

describe('a draining node (server:shutdown)', () => {
  let draining: TestApp;

  beforeAll(async () => {
    draining = await startApp({ SHUTDOWN_DRAIN_DELAY_MS: '0', SHUTDOWN_SPREAD_MS: '3000' });
  });
  afterAll(() => draining.close());

  it('the client waits reconnectAfterMs before its next handshake, whatever its own reconnection delay', async () => {
    const id = fresh('drained');
    const attempts: number[] = [];
    const source = tokenSource(id);
    // The client's own delay is short: without reconnectAfterMs it would be back at once.
    const sut = track(
      connectGateway(draining.url, {
        getToken: () => {
          attempts.push(Date.now());
          return source.getToken();
        },
        transports: ['websocket'],
        forceNew: true,
        reconnectionDelay: 50,
        randomizationFactor: 0,
      }),
    );
    await untilConnected(sut);
    const notice = once<{ reconnect: boolean; reconnectAfterMs: number }>((h) => sut.on('server:shutdown', h), 'server:shutdown');
    void draining.app.get(LifecycleService).drain();
    const { reconnectAfterMs } = await notice;
    const noticedAt = Date.now();
    const before = attempts.length;

    await eventually('the next handshake', async () => attempts.length, (n) => n > before, { timeoutMs: 5000, intervalMs: 10 });
    const waited = attempts[before] - noticedAt;
    expect(waited).toBeGreaterThanOrEqual(reconnectAfterMs - 20);
    expect(waited).toBeLessThan(reconnectAfterMs + 1000);
  });
});

describe('connectService', () => {
  it('pushes an event over /internal that a user client receives, typed on both ends', async () => {
    const id = fresh('pushed');
    const client = user(id, tokenSource(id).getToken);
    await untilConnected(client);
    const service = track(connectService(gateway.url, { serviceName: 'billing', serviceKey: BILLING_KEY, transports: ['websocket'], forceNew: true }));
    await untilConnected(service);

    const received = once<unknown>((h) => client.on('notification:new', h), 'notification:new');
    const data = await service.request('emit', { userId: id, event: 'notification:new', payload: { title: 'Invoice paid' } });
    expect(data).toMatchObject({ recipients: { total: 1, sent: 1 } });
    expect(await received).toEqual({ title: 'Invoice paid' });

    const message = once<unknown>((h) => client.on('message', h), 'message');
    await service.request('send_message', { recipientIds: [id], message: 'from billing' });
    expect(await message).toMatchObject({ message: 'from billing', metadata: { source: 'internal_service', serviceName: 'billing' } });

    const refused = await rejection(service.request('emit', { userId: id, event: 'not:allowed', payload: {} }));
    expect(refused.code).toBe('EVENT_NOT_ALLOWED');
  });

  it('ends with AUTH_INVALID on wrong credentials instead of retrying', async () => {
    const service = track(connectService(gateway.url, { serviceName: 'billing', serviceKey: 'wrong-key-0123456789', transports: ['websocket'], forceNew: true }));
    const ended = await once<{ code: string }>((h) => service.on('session:ended', h), 'session:ended');
    expect(ended).toEqual({ code: 'AUTH_INVALID', reason: expect.any(String) });
    expect(service.socket.active).toBe(false);
  });
});

/**
 * Compile-time checks of the client's typing: never run, but `npm run typecheck` (part of
 * `npm test`) fails when a payload, an ack type or a listener stops being typed by the event map.
 */
export async function typeChecks(client: GatewayClient, service: ServiceClient): Promise<void> {
  const sent: UserSendReport = await client.request('send_message', { recipientIds: ['a'], message: 'x' });
  void sent;
  // @ts-expect-error recipientIds is an array
  await client.request('send_message', { recipientIds: 'a', message: 'x' });
  // @ts-expect-error not an event of the map
  await client.request('no:such-event', {});
  // @ts-expect-error chat:join acks { chatId }, not members
  const wrong: { members: unknown[] } = await client.request('chat:join', { chatId: 'c' });
  void wrong;
  const online: { users: string[] } = await client.request('get_online_users');
  void online;
  client.on('message:new', (m: ChatMessage) => void m.messageId);
  // @ts-expect-error a chat message has no `nope`
  client.on('message:new', (m) => void m.nope);
  // @ts-expect-error not a server event
  client.on('no:such-event', () => undefined);
  client.on('session:ended', (e) => {
    const code: 'AUTH_EXPIRED' | 'SESSION_REVOKED' | 'AUTH_INVALID' | 'AUTH_REQUIRED' = e.code;
    void code;
  });
  // @ts-expect-error emit needs an event name
  await service.request('emit', { userId: 'u' });
  const pushed: EmitAck = await service.request('emit', { userId: 'u', event: 'notification:new' });
  void pushed;
  // @ts-expect-error a service cannot send user events
  await service.request('chat:join', { chatId: 'c' });
  service.on('session:expired', (e) => void e.reason);
}
