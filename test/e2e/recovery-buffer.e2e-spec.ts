// docs/protocol.md §4.8 on the memory engine: missed packets are delivered on reconnect, once and in order,
// from a buffer whose size is bounded (RECOVERY_BUFFER_BYTES) whatever the message rate.
import request from 'supertest';
import { SocketServerRef } from '../../src/socket/socket-server.ref.js';
import { type TestApp, TEST_INTERNAL_SECRET, userToken, useApp } from '../support/app.js';
import { type ClientSocket, collect, connectUser, nextEvent, roundTrip } from '../support/client.js';
import { eventually } from '../support/eventually.js';

async function push(sut: TestApp, userId: string, n: number, pad = ''): Promise<void> {
  for (let i = 0; i < n; i++) {
    await request(sut.url)
      .post('/internal/emit')
      .set('authorization', `Bearer ${TEST_INTERNAL_SECRET}`)
      .send({ userId, event: 'notification:new', payload: { i, pad } })
      .expect(200);
  }
}

/** Drops the client's transport (as a network blip would) and waits until the server saw it. */
async function dropTransport(sut: TestApp, socket: ClientSocket): Promise<void> {
  const id = socket.id as string;
  const gone = new Promise<string>((resolve) => {
    socket.once('disconnect', (reason) => {
      // Runs before the manager schedules its reconnect: hold it while the test acts.
      socket.io.reconnection(false);
      resolve(reason);
    });
  });
  socket.io.engine.close();
  expect(await gone).not.toBe('io server disconnect');
  const io = sut.app.get(SocketServerRef).io;
  await eventually('the server to see the transport close', async () => io.sockets.sockets.has(id), (has) => !has);
}

/** Reconnects offering the client's pid and last offset, as any reconnect does. */
async function reconnect(socket: ClientSocket): Promise<void> {
  const back = nextEvent(socket, 'connected');
  socket.connect();
  await back;
}

const RECONNECTING = { reconnection: true, reconnectionDelay: 50, randomizationFactor: 0 };

describe('recovery on the memory engine', () => {
  const sut = useApp({ RECOVERY_WINDOW_MS: '60000', RECOVERY_BUFFER_BYTES: '4096' });

  it('delivers the packets missed during a blip, once each and in order', async () => {
    const socket = await connectUser(sut.url, userToken('rb-1'), RECONNECTING);
    const seen = collect<{ i: number }>(socket, 'notification:new');
    await dropTransport(sut, socket);
    await push(sut, 'rb-1', 3);
    await reconnect(socket);
    expect(socket.recovered).toBe(true);
    await roundTrip(socket);
    expect(seen.map((p) => p.i)).toEqual([0, 1, 2]);
  });

  it('keeps at most RECOVERY_BUFFER_BYTES: past it the oldest packets go and the socket reconnects unrecovered', async () => {
    const socket = await connectUser(sut.url, userToken('rb-2'), RECONNECTING);
    const seen = collect<{ i: number }>(socket, 'notification:new');
    await dropTransport(sut, socket);
    // 30 packets of ~300 bytes: far more than the 4 KiB bound.
    await push(sut, 'rb-2', 30, 'x'.repeat(300));
    const adapter = sut.app.get(SocketServerRef).io.of('/').adapter as unknown as { bytes: number };
    expect(adapter.bytes).toBeLessThanOrEqual(4096);
    expect(adapter.bytes).toBeGreaterThan(0);

    await reconnect(socket);
    expect(socket.recovered).toBe(false);
    await roundTrip(socket);
    // A fresh connection: none of the dropped packets, and the user room works again.
    expect(seen).toEqual([]);
    await push(sut, 'rb-2', 1);
    await roundTrip(socket);
    expect(seen.map((p) => p.i)).toEqual([0]);
  });

  it('does not deliver packets of rooms the session was not in', async () => {
    const socket = await connectUser(sut.url, userToken('rb-3'), RECONNECTING);
    const mine = collect<{ i: number }>(socket, 'notification:new');
    await dropTransport(sut, socket);
    await push(sut, 'rb-other', 2);
    await push(sut, 'rb-3', 1);
    await reconnect(socket);
    expect(socket.recovered).toBe(true);
    await roundTrip(socket);
    expect(mine.map((p) => p.i)).toEqual([0]);
  });
});
