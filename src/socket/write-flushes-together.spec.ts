import { EventEmitter } from 'node:events';
import type { Server } from 'socket.io';
import { writeFlushesTogether } from './flushed-buffers.js';

/** A TCP socket that records its cork level and what reached the "kernel" (one entry per write call left uncorked). */
function tcp() {
  const t = { level: 0, syscalls: [] as string[][], pending: [] as string[] };
  return Object.assign(t, {
    cork: () => void (t.level += 1),
    uncork: () => {
      t.level -= 1;
      if (t.level === 0 && t.pending.length > 0) t.syscalls.push(t.pending.splice(0));
    },
    write(frame: string) {
      t.pending.push(frame);
      if (t.level === 0) t.syscalls.push(t.pending.splice(0));
    },
  });
}

/** engine.io's Socket#flush: `flush`, the transport writes each packet, `drain` — in one call. */
function flush(engine: EventEmitter, socket: { transport: { name: string; socket?: { _socket?: ReturnType<typeof tcp> } } }, packets: string[]) {
  engine.emit('flush', socket, packets);
  for (const p of packets) socket.transport.socket?._socket?.write(p);
  engine.emit('drain', socket);
}

describe('writeFlushesTogether', () => {
  it('writes the frames of one WebSocket flush in one call, and leaves the socket uncorked', () => {
    const engine = new EventEmitter();
    writeFlushesTogether(engine as unknown as Server['engine']);
    const socket = { transport: { name: 'websocket', socket: { _socket: tcp() } } };
    flush(engine, socket, ['a', 'b', 'c']);
    expect(socket.transport.socket._socket.syscalls).toEqual([['a', 'b', 'c']]);
    expect(socket.transport.socket._socket.level).toBe(0);
  });

  it('leaves a single packet, and transports other than WebSocket, as they were', () => {
    const engine = new EventEmitter();
    writeFlushesTogether(engine as unknown as Server['engine']);
    const ws = { transport: { name: 'websocket', socket: { _socket: tcp() } } };
    flush(engine, ws, ['only']);
    expect(ws.transport.socket._socket.syscalls).toEqual([['only']]);
    const polling = { transport: { name: 'polling' } };
    expect(() => flush(engine, polling, ['a', 'b'])).not.toThrow();
    // A flush of another socket after a polling one does not uncork anything it did not cork.
    flush(engine, ws, ['x', 'y']);
    expect(ws.transport.socket._socket.syscalls).toEqual([['only'], ['x', 'y']]);
    expect(ws.transport.socket._socket.level).toBe(0);
  });
});
