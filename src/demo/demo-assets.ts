import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { AppError, ErrorCode } from '../common/error-codes.js';

const packageDir = (name: string): string => dirname(createRequire(import.meta.url).resolve(`${name}/package.json`));

/** The typed client package's build (packages/client/dist, made by `npm run build` or its `prepare`). */
const CLIENT_DIR = join(packageDir('@realtime-gateway/client'), 'dist');
const CLIENT_FILE = /^[a-z][a-z-]*\.js$/;

/** The files the demo page loads in the browser: the client's ESM build and socket.io-client's. */
export class DemoAssets {
  private readonly cache = new Map<string, Buffer>();
  private readonly socketIoClient = join(packageDir('socket.io-client'), 'dist', 'socket.io.esm.min.js');

  /** One file of the client package's dist (`index.js`, `gateway-client.js`…); NOT_FOUND for any other name. */
  client(file: string): Promise<Buffer> {
    if (!CLIENT_FILE.test(file)) return Promise.reject(new AppError(ErrorCode.NOT_FOUND, 'No such client file'));
    return this.read(join(CLIENT_DIR, file));
  }

  /** socket.io-client's browser ESM bundle, as shipped in its package (the page's import map points at it). */
  socketIo(): Promise<Buffer> {
    return this.read(this.socketIoClient);
  }

  private async read(path: string): Promise<Buffer> {
    const cached = this.cache.get(path);
    if (cached) return cached;
    try {
      const content = await readFile(path);
      this.cache.set(path, content);
      return content;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new AppError(ErrorCode.NOT_FOUND, 'Not built: run npm run build');
      throw err;
    }
  }
}
