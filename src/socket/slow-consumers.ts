import type { Server } from 'socket.io';

type Engine = Server['engine'];

interface WsLike {
  /** ws's documented count of bytes queued but not yet handed to the kernel. */
  bufferedAmount: number;
  terminate(): void;
}

/** The parts of an engine.io socket this bound reads (checked by `checkEngineSocket` at the first connection). */
interface EngineSocket {
  readyState: string;
  transport: { name: string; writable: boolean; socket?: WsLike };
  on(event: 'packetCreate', listener: (this: EngineSocket, packet: { data?: unknown }) => void): unknown;
  on(event: 'close', listener: (this: EngineSocket) => void): unknown;
  close(discard?: boolean): void;
}

/**
 * Slow consumers (docs/protocol.md §4.8, docs/reliability.md): what the gateway holds for one socket is
 * bounded by `maxBytes`; over it the socket's transport is closed (no DISCONNECT packet: the client
 * reconnects and recovers what it missed) and `onSlow` counts it.
 *
 * What a socket holds is (a) the packets engine.io queues in its write buffer while the transport
 * is still busy with the previous flush — a WebSocket stays busy until the kernel took the whole
 * last write, so a client that stops reading leaves everything after in that buffer — and (b) the
 * bytes of the last flushes that ws has not handed to the kernel yet (`bufferedAmount`). (a) is
 * counted as packets are queued, in characters of their encoded form (engine.io's documented
 * `packetCreate`, one listener function shared by every socket; nothing runs while the transport
 * is writable, i.e. for every socket that keeps up); (b) is read after each flush (the engine's
 * `drain`) and with (a). Only sockets with something queued have an entry in `queued`.
 */
export function boundSlowConsumers(engine: Engine, maxBytes: number, onSlow: () => void): void {
  const queued = new Map<EngineSocket, number>();
  const dropped = new WeakSet<EngineSocket>();

  const drop = (socket: EngineSocket): void => {
    if (dropped.has(socket)) return;
    dropped.add(socket);
    queued.delete(socket);
    onSlow();
    const { transport } = socket;
    // terminate(): ws's close() would first wait up to 30 s for the peer's close frame, holding the buffers.
    if (transport.name === 'websocket' && transport.socket) transport.socket.terminate();
    else socket.close(true);
  };

  function onPacket(this: EngineSocket, packet: { data?: unknown }): void {
    if (this.transport.writable) return; // flushed right away
    const bytes = (queued.get(this) ?? 0) + sizeOf(packet.data);
    if (bytes + unsent(this) > maxBytes) return drop(this);
    queued.set(this, bytes);
  }

  function forget(this: EngineSocket): void {
    queued.delete(this);
  }

  let checked = false;
  engine.on('connection', (socket: EngineSocket) => {
    if (!checked) {
      checkEngineSocket(socket);
      checked = true;
    }
    socket.on('packetCreate', onPacket);
    socket.on('close', forget);
  });
  // The write buffer went to the transport: what is left unsent is now the transport's.
  engine.on('flush', (socket: EngineSocket) => queued.delete(socket));
  engine.on('drain', (socket: EngineSocket) => {
    if (unsent(socket) > maxBytes) drop(socket);
  });
}

function unsent(socket: EngineSocket): number {
  return socket.transport.socket?.bufferedAmount ?? 0;
}

function sizeOf(data: unknown): number {
  if (typeof data === 'string') return data.length;
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) return data.byteLength;
  return 0;
}

/** Fails the first connection loudly if engine.io no longer has what the bound reads. */
function checkEngineSocket(socket: EngineSocket): void {
  const { transport } = socket;
  const ok =
    typeof transport?.writable === 'boolean' &&
    typeof transport.name === 'string' &&
    (transport.name !== 'websocket' || (typeof transport.socket?.bufferedAmount === 'number' && typeof transport.socket.terminate === 'function'));
  if (!ok) throw new Error('engine.io sockets no longer expose transport.writable / transport.socket (ws); src/socket/slow-consumers.ts needs updating');
}
