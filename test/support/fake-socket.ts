/** What a fake socket recorded: the events it was sent and its disconnect, in order. */
export type SocketCall = { emit: string; payload: unknown } | { disconnect: boolean } | { closeTransport: true };

/**
 * A stand-in for a server-side Socket.IO socket, for unit specs of the timer-driven parts:
 * records `nsp.local.to(id).emit(...)` (the farewell path), `disconnect(close)` and
 * `conn.close()` (a closed transport), and flips `connected` on either like the real one. Cast it to the socket type under test.
 */
export interface FakeSocket<D extends object = Record<string, unknown>> {
  id: string;
  connected: boolean;
  data: D;
  calls: SocketCall[];
  rooms: Set<string>;
  nsp: { local: { to(room: string): { emit(event: string, payload: unknown): void } } };
  join: (room: string) => Promise<void>;
  disconnect: (close?: boolean) => void;
  conn: { close: () => void };
}

let seq = 0;

export function fakeSocket<D extends object = Record<string, unknown>>(data: D = {} as D): FakeSocket<D> {
  const calls: SocketCall[] = [];
  const rooms = new Set<string>();
  const socket: FakeSocket<D> = {
    id: `fake-${++seq}`,
    connected: true,
    data,
    calls,
    rooms,
    nsp: { local: { to: () => ({ emit: (event, payload) => void calls.push({ emit: event, payload }) }) } },
    join: async (room: string) => void rooms.add(room),
    disconnect: (close = false) => {
      calls.push({ disconnect: close });
      socket.connected = false;
    },
    conn: {
      close: () => {
        calls.push({ closeTransport: true });
        socket.connected = false;
      },
    },
  };
  return socket;
}
