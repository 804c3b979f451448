import { connect, createServer } from 'node:net';
import { Redis } from 'ioredis';
import { freePort, type RedisServerHandle, startRedisServer } from './redis-server.js';

/** Resolves with the error code of a plain TCP connection attempt, or 'connected'. */
function tryConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

describe('shared redis-server (global setup)', () => {
  it('answers PING at TEST_REDIS_URL', async () => {
    const url = process.env.TEST_REDIS_URL;
    expect(url).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
    expect(url).toBe(`redis://127.0.0.1:${process.env.TEST_REDIS_PORT}`);
    const client = new Redis(url as string);
    try {
      await expect(client.ping()).resolves.toBe('PONG');
    } finally {
      client.disconnect();
    }
  });
});

describe('freePort', () => {
  it('returns a port that can be listened on', async () => {
    const port = await freePort();
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    await new Promise<void>((resolve) => server.close(() => resolve()));
    expect(port).toBeGreaterThan(0);
  });
});

describe('startRedisServer', () => {
  let sut: RedisServerHandle | undefined;
  let client: Redis | undefined;

  afterEach(async () => {
    client?.disconnect();
    client = undefined;
    await sut?.kill();
    sut = undefined;
  });

  it('restarts on the same port with an empty dataset, then stops', async () => {
    sut = await startRedisServer();
    const { port, url } = sut;
    const firstPid = sut.pid;
    expect(url).toBe(`redis://127.0.0.1:${port}`);
    expect(port).not.toBe(Number(process.env.TEST_REDIS_PORT));

    client = new Redis(url);
    await client.set('before-restart', 'yes');
    await expect(client.get('before-restart')).resolves.toBe('yes');

    await sut.restart();

    expect(sut.port).toBe(port);
    expect(sut.pid).not.toBe(firstPid);
    // the same client reconnects to the same address; persistence is off
    await expect(client.get('before-restart')).resolves.toBeNull();
    await client.quit();
    client = undefined;

    await sut.stop();

    await expect(tryConnect(port)).resolves.toBe('ECONNREFUSED');
  });

  it('kill() takes the server down at once', async () => {
    sut = await startRedisServer();
    const { port } = sut;
    await expect(tryConnect(port)).resolves.toBe('connected');

    await sut.kill();

    await expect(tryConnect(port)).resolves.toBe('ECONNREFUSED');
    expect(() => sut?.pid).toThrow(/not running/);
  });

  it('honours an explicit port and reports the server output when it cannot bind', async () => {
    // drops whatever connects, like a port owned by something that is not ours
    const blocker = createServer((socket) => socket.destroy());
    const port = await freePort();
    await new Promise<void>((resolve, reject) => {
      blocker.once('error', reject);
      blocker.listen(port, '127.0.0.1', () => resolve());
    });
    try {
      const started = startRedisServer({ port });
      await expect(started).rejects.toThrow(/exited \(code 1\) before answering PING/);
      await expect(started).rejects.toThrow(/Address already in use/);
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });
});
