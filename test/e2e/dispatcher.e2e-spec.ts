// One dispatcher per socket (issue: per-socket cost): every gateway's handlers still run with
// Nest's pipes, guards, interceptors and filters, validation runs once per event, and a socket
// carries one `onAny` and one `disconnect` listener whatever the number of handlers.
import { jest } from '@jest/globals';
import type { Socket } from 'socket.io';
import { AppValidationPipe } from '../../src/common/validation.pipe.js';
import { SocketServerRef } from '../../src/socket/socket-server.ref.js';
import { TEST_INTERNAL_SECRET, userToken, useApp } from '../support/app.js';
import { connectUser, nextEvent, untyped } from '../support/client.js';
import { eventually } from '../support/eventually.js';

describe('event dispatcher', () => {
  const sut = useApp();

  function serverSocket(id: string | undefined): Socket {
    const socket = sut.app.get(SocketServerRef).io.sockets.sockets.get(id ?? '');
    if (!socket) throw new Error(`no server socket ${id}`);
    return socket as unknown as Socket;
  }

  it('gives each socket one shared onAny listener and one shared disconnect listener', async () => {
    const a = await connectUser(sut.url, userToken('disp-a'));
    const b = await connectUser(sut.url, userToken('disp-b'));
    const sa = serverSocket(a.id);
    const sb = serverSocket(b.id);
    expect(sa.listenersAny()).toHaveLength(1);
    expect(sa.listeners('disconnect')).toHaveLength(1);
    // No per-event listeners at all: the handlers are routed, not subscribed (Socket.IO adds
    // its own no-op `error` listener to every socket).
    expect(sa.eventNames().filter((name) => name !== 'error')).toEqual(['disconnect']);
    // The same function objects on every socket: nothing was allocated per socket.
    expect(sb.listenersAny()[0]).toBe(sa.listenersAny()[0]);
    expect(sb.listeners('disconnect')[0]).toBe(sa.listeners('disconnect')[0]);
  });

  it('validates each event payload once (global pipe only), and still refuses a bad one', async () => {
    const socket = await connectUser(sut.url, userToken('disp-c'));
    const transform = jest.spyOn(AppValidationPipe.prototype, 'transform');
    try {
      const ack = await socket.timeout(5000).emitWithAck('presence:update', { status: 'busy' });
      expect(ack).toEqual({ ok: true, data: expect.anything() });
      const bodyCalls = transform.mock.calls.filter(([, meta]) => meta.type === 'body');
      expect(bodyCalls).toHaveLength(1);

      const bad = await untyped(socket).timeout(5000).emitWithAck('presence:update', { status: 'sleeping' });
      expect(bad).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    } finally {
      transform.mockRestore();
    }
  });

  it('routes handlers of several gateways, with filters: a failure without ack is emitted as `error`', async () => {
    const socket = await connectUser(sut.url, userToken('disp-d'));
    const pending = await socket.timeout(5000).emitWithAck('notification:get-pending', {});
    expect(pending).toEqual({ ok: true, data: { notifications: [] } });
    const error = nextEvent<{ code: string }>(socket, 'error');
    untyped(socket).emit('chat:join', { chatId: '' });
    expect(await error).toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('runs gateways’ disconnect hooks once per socket', async () => {
    const socket = await connectUser(sut.url, userToken('disp-e'));
    const server = serverSocket(socket.id);
    expect(server.connected).toBe(true);
    const gone = new Promise<string>((resolve) => server.once('disconnect', resolve));
    socket.disconnect();
    expect(await gone).toBe('client namespace disconnect');
    // The user's presence was unregistered by UserGateway.handleDisconnect.
    const presence = () =>
      fetch(`${sut.url}/internal/presence?userIds=disp-e`, { headers: { authorization: `Bearer ${TEST_INTERNAL_SECRET}` } }).then(
        (r) => r.json() as Promise<{ data: { users: { status: string }[] } }>,
      );
    await eventually('disp-e offline', presence, (body) => body.data.users[0]?.status === 'offline');
  });
});
