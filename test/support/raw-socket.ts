// A bare Engine.IO v4 WebSocket transport for tests that must write what no well-behaved
// client sends (binary attachments the server never asked for, a transport that never joins a
// namespace): frames are written and read as they are, nothing is encoded for the caller.
import WebSocket from 'ws';

const DEFAULT_TIMEOUT_MS = 5000;

export interface RawSocket {
  ws: WebSocket;
  /** Text frames received so far (engine.io packets: `0…` open, `4…` Socket.IO messages). */
  frames: string[];
  /** Sends a text frame as is. */
  send(frame: string): void;
  /** Sends a binary frame (an attachment, as Socket.IO would). */
  sendBinary(data: Buffer): void;
  /** Resolves with the first received text frame (already received or to come) that `accept` likes. */
  next(accept: (frame: string) => boolean, timeoutMs?: number): Promise<string>;
  /** Resolves with the close code once the server closed the transport. */
  closed: Promise<number>;
  isOpen(): boolean;
  close(): void;
}

const open = new Set<RawSocket>();

/**
 * Opens `ws://…/socket.io/?EIO=4&transport=websocket` on `baseUrl` and resolves once the
 * engine's open packet arrived. Pings are answered (the server would otherwise close the
 * transport for a missed heartbeat, which is not what these tests look at).
 */
export async function openRawSocket(baseUrl: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<RawSocket> {
  const url = `${baseUrl.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`;
  const ws = new WebSocket(url);
  const frames: string[] = [];
  const waiters = new Set<{ accept: (f: string) => boolean; resolve: (f: string) => void }>();
  let isOpen = false;
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  ws.on('error', () => undefined); // a refused or reset transport shows as `closed`
  ws.on('message', (data, isBinary) => {
    if (isBinary) return;
    const frame = data.toString();
    if (frame === '2') ws.send('3');
    frames.push(frame);
    for (const w of waiters) {
      if (!w.accept(frame)) continue;
      waiters.delete(w);
      w.resolve(frame);
    }
  });
  const next = (accept: (frame: string) => boolean, ms = DEFAULT_TIMEOUT_MS): Promise<string> => {
    const seen = frames.find(accept);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const waiter = {
        accept,
        resolve: (f: string) => {
          clearTimeout(timer);
          resolve(f);
        },
      };
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(new Error(`no matching frame within ${ms} ms; frames: ${JSON.stringify(frames).slice(0, 500)}`));
      }, ms);
      timer.unref();
      waiters.add(waiter);
    });
  };
  const socket: RawSocket = {
    ws,
    frames,
    send: (frame) => ws.send(frame),
    sendBinary: (data) => ws.send(data, { binary: true }),
    next,
    closed,
    isOpen: () => isOpen && ws.readyState === WebSocket.OPEN,
    close: () => ws.terminate(),
  };
  open.add(socket);
  void closed.then(() => open.delete(socket));
  await next((f) => f.startsWith('0{'), timeoutMs);
  isOpen = true;
  return socket;
}

/**
 * Opens a raw transport and joins `/` with `auth` (Socket.IO CONNECT `40{…}`); resolves once the
 * server acknowledged the CONNECT and emitted `connected`.
 */
export async function openRawUserSocket(baseUrl: string, token: string): Promise<RawSocket> {
  const socket = await openRawSocket(baseUrl);
  socket.send(`40${JSON.stringify({ token })}`);
  await socket.next((f) => f.startsWith('40{'));
  await socket.next((f) => f.startsWith('42["connected"'));
  return socket;
}

/** Resolves with the close code, or rejects when the transport is still open after `timeoutMs`. */
export function closedWithin(socket: RawSocket, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the transport was still open after ${timeoutMs} ms`)), timeoutMs);
    timer.unref();
    void socket.closed.then((code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

export function closeAllRawSockets(): void {
  for (const s of open) s.close();
  open.clear();
}
