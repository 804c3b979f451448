import { createServer, type Server, type Socket, connect } from 'node:net';

/**
 * A TCP proxy on a free port of 127.0.0.1 that forwards each new connection to `target` (a port
 * the test switches, as a load balancer would send reconnecting clients elsewhere). A closed or
 * reset upstream closes the client's side too, as it would through a real balancer.
 */
export interface TcpProxy {
  port: number;
  url: string;
  target: number;
  close(): Promise<void>;
}

export async function startTcpProxy(target: number): Promise<TcpProxy> {
  const open = new Set<Socket>();
  const track = (socket: Socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
  };
  const state = { target };
  const server: Server = createServer((client) => {
    track(client);
    const upstream = connect(state.target, '127.0.0.1');
    track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.once('error', end).once('close', end);
    upstream.once('error', end).once('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    get target() {
      return state.target;
    },
    set target(value: number) {
      state.target = value;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
