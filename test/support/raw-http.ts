// HTTP/1.1 over a bare TCP socket, for requests no HTTP client sends: a body that is announced
// and never arrives, or arrives a byte at a time.
import { connect, type Socket } from 'node:net';

export interface RawHttp {
  socket: Socket;
  /** Resolves with the status code of the first response, once its head has arrived. */
  status: Promise<number>;
  /** Everything received so far. */
  received(): string;
  write(data: string): void;
  close(): void;
}

const open = new Set<Socket>();

/** Opens a connection to 127.0.0.1:`port` and writes `head` (request line and headers, ending in a blank line). */
export function rawHttp(port: number, head: string): RawHttp {
  const socket = connect(port, '127.0.0.1');
  open.add(socket);
  socket.on('close', () => open.delete(socket));
  socket.on('error', () => undefined);
  let text = '';
  const status = new Promise<number>((resolve, reject) => {
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      const m = /^HTTP\/1\.1 (\d{3})[^\r\n]*\r\n[\s\S]*?\r\n\r\n/.exec(text);
      if (m) resolve(Number(m[1]));
    });
    socket.on('close', () => reject(new Error(`closed without a response; received: ${JSON.stringify(text.slice(0, 300))}`)));
  });
  status.catch(() => undefined);
  socket.write(head);
  return { socket, status, received: () => text, write: (data) => socket.write(data), close: () => socket.destroy() };
}

/** `status` within `timeoutMs`, else a rejection saying nothing came. */
export function statusWithin(req: RawHttp, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no response within ${timeoutMs} ms`)), timeoutMs);
    timer.unref();
    req.status.then(
      (code) => {
        clearTimeout(timer);
        resolve(code);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err as Error);
      },
    );
  });
}

/** The head of a request with a JSON body of `length` bytes announced. */
export function postHead(path: string, length: number, headers: Record<string, string> = {}): string {
  const lines = [`POST ${path} HTTP/1.1`, 'Host: 127.0.0.1', 'Content-Type: application/json', `Content-Length: ${length}`];
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

export function closeAllRawHttp(): void {
  for (const s of open) s.destroy();
  open.clear();
}
