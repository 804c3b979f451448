// docs/protocol.md §2.3: acks and `error` events for failed client events, unknown events, and hostile
// input (malformed, deep, wide or oversized payloads) that must neither crash the process,
// leak to other users, nor stop the socket's other events from working.
import request from 'supertest';
import { type TestApp, userToken, useApp } from '../support/app.js';
import { type ClientSocket, collect, connectUser, disconnected, nextEvent, roundTrip, untyped } from '../support/client.js';
import type { Ack, ErrorBody } from '../../src/socket/events.js';
import { push } from '../support/backend.js';


const ACK_TIMEOUT_MS = 15_000;

function emitWithAck(socket: ClientSocket, event: string, ...args: unknown[]): Promise<Ack> {
  return socket.timeout(ACK_TIMEOUT_MS).emitWithAck(event, ...args) as Promise<Ack>;
}

let rawAckId = 900_000;

/**
 * Sends `["<event>", <payloadJson>]` as a raw Socket.IO EVENT frame with an ack id and resolves
 * with the ack. For payloads the client library cannot encode itself: its binary check recurses
 * and overflows the stack on a 10 000-deep object, which is exactly what a hostile client sends.
 */
function rawEmitWithAck(socket: ClientSocket, event: string, payloadJson: string): Promise<Ack> {
  const id = rawAckId++;
  const engine = socket.io.engine;
  return new Promise((resolve, reject) => {
    const onMessage = (data: unknown) => {
      // Socket.IO ACK packet on the main namespace: "3<id>[<args>]".
      if (typeof data !== 'string' || !data.startsWith(`3${id}[`)) return;
      cleanup();
      resolve((JSON.parse(data.slice(`3${id}`.length)) as [Ack])[0]);
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`no ack for raw "${event}" frame within ${ACK_TIMEOUT_MS} ms`));
    }, ACK_TIMEOUT_MS);
    const cleanup = () => {
      clearTimeout(timer);
      engine.off('message', onMessage);
    };
    engine.on('message', onMessage);
    engine.write(`2${id}[${JSON.stringify(event)},${payloadJson}]`);
  });
}

/** `{"a":{"a":…{}…}}`, `depth` levels, built as text so nothing recurses on our side. */
function deepJson(depth: number): string {
  return `${'{"a":'.repeat(depth)}{}${'}'.repeat(depth)}`;
}

function wideObject(keys: number): Record<string, number> {
  const out: Record<string, number> = {};
  // Short base-36 keys keep the frame (~0.9 MB) under the default 1 MiB buffer limit.
  for (let i = 0; i < keys; i++) out[i.toString(36)] = 0;
  return out;
}

function expectValidationFailed(ack: Ack, fields?: string[]): void {
  expect(ack).toEqual({
    ok: false,
    error: expect.objectContaining({ code: 'VALIDATION_FAILED', message: expect.any(String) }),
  });
  if (ack.ok) return;
  expect(Object.keys(ack.error).every((k) => ['code', 'message', 'details'].includes(k))).toBe(true);
  if (fields) {
    expect(ack.error.details).toEqual(
      expect.arrayContaining(fields.map((field) => expect.objectContaining({ field }))),
    );
  }
}

/** The socket is connected and its user room still delivers: a backend push arrives. */
async function expectWorking(sut: TestApp, socket: ClientSocket, userId: string): Promise<void> {
  const marker = { probe: Math.random().toString(36).slice(2) };
  const arrived = nextEvent(socket, 'notification:new');
  await push(sut, { userId, event: 'notification:new', payload: marker });
  await expect(arrived).resolves.toEqual(marker);
}

async function expectHealthy(sut: TestApp): Promise<void> {
  const res = await request(sut.app.getHttpServer()).get('/health').expect(200);
  expect(res.body).toMatchObject({ status: 'healthy' });
}

async function metricValue(sut: TestApp, name: string): Promise<number> {
  const res = await request(sut.app.getHttpServer()).get('/metrics').expect(200);
  const line = res.text.split('\n').find((l) => l === name || l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

describe('acks and errors on / (docs/protocol.md §2.3)', () => {
  const sut = useApp();

  describe('auth:refresh with malformed payloads acks VALIDATION_FAILED', () => {
    let socket: ClientSocket;

    beforeAll(async () => {
      socket = await connectUser(sut.url, userToken('malformed-1'));
    });

    const cases: Array<[string, unknown[], string[] | undefined]> = [
      ['no payload at all', [], undefined],
      ['a string', ['just a string'], undefined],
      ['a number', [42], undefined],
      ['null', [null], undefined],
      ['an array', [['token', 'value']], undefined],
      ['an empty object', [{}], ['token']],
      ['{ token: 123 }', [{ token: 123 }], ['token']],
      ['{ token: ["a"] }', [{ token: ['a'] }], ['token']],
      ['{ token: { $gt: "" } }', [{ token: { $gt: '' } }], ['token']],
      ['{ token: "x".repeat(10000) }', [{ token: 'x'.repeat(10_000) }], ['token']],
      ['an object with 100k keys', [wideObject(100_000)], undefined],
    ];

    it.each(cases)('%s', async (_name, args, fields) => {
      expectValidationFailed(await emitWithAck(socket, 'auth:refresh', ...args), fields);
      expect(socket.connected).toBe(true);
    });

    it('an object nested 10 000 levels deep', async () => {
      expectValidationFailed(await rawEmitWithAck(socket, 'auth:refresh', deepJson(10_000)));
      expect(socket.connected).toBe(true);
    });

    it('an own "__proto__" key neither pollutes prototypes nor breaks the handler', async () => {
      const ack = await rawEmitWithAck(socket, 'auth:refresh', '{"token":"abc","__proto__":{"polluted":"yes"}}');
      // "abc" is a well-formed string, so the DTO passes and the token itself is refused.
      expect(ack).toEqual({ ok: false, error: expect.objectContaining({ code: 'AUTH_INVALID' }) });
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it('after a burst of all of them the same socket still works and the server is healthy', async () => {
      const acks = await Promise.all([
        ...cases.map(([, args]) => emitWithAck(socket, 'auth:refresh', ...args)),
        rawEmitWithAck(socket, 'auth:refresh', deepJson(10_000)),
      ]);
      for (const ack of acks) expectValidationFailed(ack);
      await expectWorking(sut, socket, 'malformed-1');
      const valid = await emitWithAck(socket, 'auth:refresh', { token: userToken('malformed-1') });
      expect(valid).toEqual({ ok: true, data: { expiresAt: expect.any(String) } });
      await expectHealthy(sut);
    });
  });

  describe('without an ack callback the error arrives as an `error` event on that socket only', () => {
    it.each([
      ['VALIDATION_FAILED', () => ({ token: 123 })],
      ['FORBIDDEN', () => ({ token: userToken('someone-else', 's-malformed-2') })],
      ['AUTH_INVALID', () => ({ token: 'not-a-jwt' })],
    ])('%s', async (code, payload) => {
      const socket = await connectUser(sut.url, userToken('malformed-2', 's-malformed-2'));
      const other = await connectUser(sut.url, userToken('bystander-2'));
      const errors = collect<ErrorBody>(socket, 'error');
      const leaked: string[] = [];
      other.onAny((event: string) => leaked.push(event));

      const withAck = await emitWithAck(socket, 'auth:refresh', payload());
      expect(withAck).toEqual({ ok: false, error: expect.objectContaining({ code }) });

      const errorEvent = nextEvent<ErrorBody>(socket, 'error');
      untyped(socket).emit('auth:refresh', payload());
      const body = await errorEvent;
      expect(body).toEqual((withAck as { error: ErrorBody }).error);

      // Both connections answer a later round trip, so anything sent before it has arrived.
      await Promise.all([roundTrip(socket), roundTrip(other)]);
      expect(errors).toHaveLength(1);
      expect(leaked).toEqual([]);
      await expectWorking(sut, socket, 'malformed-2');
      socket.close();
      other.close();
    });
  });

  describe('unknown events', () => {
    it('are ignored (no error, no crash, socket keeps working) and counted in gateway_unknown_events_total', async () => {
      const socket = await connectUser(sut.url, userToken('unknown-1'));
      const errors = collect(socket, 'error');
      const before = await metricValue(sut, 'gateway_unknown_events_total');

      const hostile = 'x'.repeat(1000);
      const names = ['no:such:event', hostile, '__proto__', 'constructor', 'hasOwnProperty', 'toString'];
      for (const name of names) untyped(socket).emit(name, { some: 'payload' });
      await roundTrip(socket);

      const after = await metricValue(sut, 'gateway_unknown_events_total');
      expect(after - before).toBe(names.length);
      expect(errors).toEqual([]);
      await expectWorking(sut, socket, 'unknown-1');
      const metrics = await request(sut.app.getHttpServer()).get('/metrics').expect(200);
      // Counted under one series: a hostile name never becomes a label.
      expect(metrics.text).not.toContain(hostile);
      await expectHealthy(sut);
    });
  });
});

describe('a frame larger than SOCKETIO_MAX_BUFFER_SIZE', () => {
  const sut = useApp({ SOCKETIO_MAX_BUFFER_SIZE: '2048' });

  it('disconnects that socket only; the server stays healthy and other sockets keep working', async () => {
    const offender = await connectUser(sut.url, userToken('big-1'));
    const bystander = await connectUser(sut.url, userToken('big-2'));

    // Just under the limit is an ordinary event (here a refused token), not a disconnect.
    const small = await emitWithAck(offender, 'auth:refresh', { token: 'x'.repeat(1000) });
    expect(small).toEqual({ ok: false, error: expect.objectContaining({ code: 'AUTH_INVALID' }) });
    expect(offender.connected).toBe(true);

    const gone = disconnected(offender);
    untyped(offender).emit('auth:refresh', { token: 'x'.repeat(10_240) });
    await expect(gone).resolves.toBe('transport close');

    await expectWorking(sut, bystander, 'big-2');
    await expectHealthy(sut);
    const newcomer = await connectUser(sut.url, userToken('big-3'));
    await expectWorking(sut, newcomer, 'big-3');
  });
});
