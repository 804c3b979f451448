import type { Socket as NetSocket } from 'node:net';
import WebSocket from 'ws';
import { TEST_INTERNAL_SECRET, fresh, useApp, userToken } from '../support/app.js';
import { collect, connectUser, nextEvent } from '../support/client.js';
import { eventually } from '../support/eventually.js';
import { scrapeMetrics, sumOf } from '../support/metrics.js';

// SPEC §4.8, slow consumers: what the gateway holds for one socket (engine.io's write buffer and
// the transport's unsent bytes) is bounded by SOCKET_MAX_BUFFERED_BYTES; over it the transport is
// closed and counted in gateway_slow_disconnects_total, and the other sockets go on receiving.

const BOUND = 256 * 1024;
const CHUNK = 'x'.repeat(64 * 1024);

/**
 * A bare engine.io v4 WebSocket that completes the Socket.IO handshake and then stops reading
 * (its TCP socket paused), like a client on a stalled network: what the gateway sends piles up.
 */
async function stalledClient(url: string, token: string): Promise<{ ws: WebSocket; closed: Promise<void> }> {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`);
  const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
  ws.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the stalled client never got `connected`')), 5000);
    ws.on('message', (data) => {
      const text = String(data);
      if (text.startsWith('0')) ws.send(`40${JSON.stringify({ token })}`);
      if (text.startsWith('42["connected"')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  (ws as unknown as { _socket: NetSocket })._socket.pause();
  return { ws, closed };
}

function emit(url: string, userId: string, payload: unknown): Promise<Response> {
  return fetch(`${url}/internal/emit`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${TEST_INTERNAL_SECRET}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ userId, event: 'message', payload }),
  });
}

describe(`slow consumers (SOCKET_MAX_BUFFERED_BYTES=${BOUND})`, () => {
  const app = useApp({ SOCKET_MAX_BUFFERED_BYTES: String(BOUND), SOCKETIO_PING_INTERVAL: '60000' });

  it('closes the transport of a socket that stops reading, counts it, and keeps delivering to the others', async () => {
    const [slowUser, healthyUser] = [fresh('slow'), fresh('healthy')];
    const healthy = await connectUser(app.url, userToken(healthyUser));
    const received = collect<{ seq: number }>(healthy, 'message');
    const slow = await stalledClient(app.url, userToken(slowUser));
    const before = sumOf(await scrapeMetrics(app.url), 'gateway_slow_disconnects_total');

    // Pushes to both, until the gateway gives up on the stalled one (at most 32 MB for it).
    let seq = 0;
    await eventually(
      'the stalled socket to be closed as slow',
      async () => {
        seq += 1;
        await Promise.all([emit(app.url, slowUser, { chunk: CHUNK, seq }), emit(app.url, healthyUser, { seq })]);
        return sumOf(await scrapeMetrics(app.url), 'gateway_slow_disconnects_total');
      },
      (n) => n > before || seq >= 512,
      { timeoutMs: 30_000, intervalMs: 0 },
    );
    expect(sumOf(await scrapeMetrics(app.url), 'gateway_slow_disconnects_total')).toBe(before + 1);

    // Only the stalled socket is gone; the healthy one received every push, in order.
    const res = await fetch(`${app.url}/health`);
    expect(((await res.json()) as { connections: { active: number } }).connections.active).toBe(1);
    const last = nextEvent<{ seq: number }>(healthy, 'message');
    await emit(app.url, healthyUser, { seq: seq + 1 });
    await expect(last).resolves.toEqual({ seq: seq + 1 });
    expect(received.map((p) => p.seq)).toEqual(Array.from({ length: seq + 1 }, (_, i) => i + 1));

    // The stalled client finds its connection closed once it reads again.
    (slow.ws as unknown as { _socket: NetSocket })._socket.resume();
    await slow.closed;
  });

  it('a Socket.IO client closed as slow reconnects and recovers every message it missed, once each, in order', async () => {
    const u = fresh('slow-recovering');
    const socket = await connectUser(app.url, userToken(u), { reconnection: true, reconnectionDelay: 50 });
    const seen = collect<{ seq: number }>(socket, 'message');
    const recovered = nextEvent(socket, 'connected', 30_000);
    const before = sumOf(await scrapeMetrics(app.url), 'gateway_slow_disconnects_total');
    // Stall the client's WebSocket: its TCP socket stops reading.
    const tcp = (socket.io.engine.transport as unknown as { ws: { _socket: NetSocket } }).ws._socket;
    tcp.pause();

    let seq = 0;
    await eventually(
      'the stalled client to be closed as slow',
      async () => {
        seq += 1;
        await emit(app.url, u, { chunk: CHUNK, seq });
        return sumOf(await scrapeMetrics(app.url), 'gateway_slow_disconnects_total');
      },
      (n) => n > before || seq >= 512,
      { timeoutMs: 30_000, intervalMs: 0 },
    );
    tcp.resume();
    await recovered;
    expect(socket.recovered).toBe(true);
    const last = nextEvent<{ seq: number }>(socket, 'message');
    await emit(app.url, u, { seq: seq + 1 });
    await last;
    expect(seen.map((p) => p.seq)).toEqual(Array.from({ length: seq + 1 }, (_, i) => i + 1));
  });
});
