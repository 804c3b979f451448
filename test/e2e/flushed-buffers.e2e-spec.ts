// src/socket/flushed-buffers.ts: once engine.io's transport has sent a write buffer, the array is
// emptied (a dead buffer left full kept its packets alive through scavenges, see the module), and
// the messages still reach the client whole and in order, over WebSocket and over long-polling.
import request from 'supertest';
import { SocketServerRef } from '../../src/socket/socket-server.ref.js';
import { TEST_INTERNAL_SECRET, userToken, useApp } from '../support/app.js';
import { collect, connectUser, roundTrip } from '../support/client.js';
import { eventually } from '../support/eventually.js';

describe('write buffers engine.io has sent', () => {
  const sut = useApp();

  for (const transport of ['websocket', 'polling'] as const) {
    it(`are emptied after a ${transport} transport sent them, and every message arrives`, async () => {
      const engine = sut.app.get(SocketServerRef).io.engine;
      const flushed: { buffer: unknown[]; packets: number }[] = [];
      const onFlush = (_socket: unknown, buffer: unknown[]) => flushed.push({ buffer, packets: buffer.length });
      engine.on('flush', onFlush);
      try {
        const userId = `fb-${transport}`;
        const socket = await connectUser(sut.url, userToken(userId), { transports: [transport] });
        const seen = collect<{ i: number; text: string }>(socket, 'notification:new');
        for (let i = 0; i < 3; i++) {
          await request(sut.url)
            .post('/internal/emit')
            .set('authorization', `Bearer ${TEST_INTERNAL_SECRET}`)
            .send({ userId, event: 'notification:new', payload: { i, text: `message ${i}` } })
            .expect(200);
        }
        await roundTrip(socket);

        expect(seen).toEqual([0, 1, 2].map((i) => ({ i, text: `message ${i}` })));
        // The buffers did hold packets when they were handed to the transport...
        expect(flushed.filter((f) => f.packets > 0).length).toBeGreaterThanOrEqual(1);
        // ...and none still holds one now.
        expect(flushed.map((f) => f.buffer.length)).toEqual(flushed.map(() => 0));

        // Close while the app runs, so no long-poll is left open for the teardown.
        const clients = engine.clientsCount;
        socket.close();
        await eventually('the server to see the client go', async () => engine.clientsCount, (n) => n < clients);
      } finally {
        engine.off('flush', onFlush);
      }
    });
  }
});
