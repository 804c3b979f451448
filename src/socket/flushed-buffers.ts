import type { Server } from 'socket.io';

type Engine = Server['engine'];

interface FlushedSocket {
  transport: { name: string };
}

/** An engine.io packet in a write buffer: `data` is the encoded Socket.IO packet (a string, or bytes for binary). */
interface EnginePacket {
  data?: unknown;
}

/** Transports whose `send()` is done with the packets when it returns (WebTransport's awaits each write). */
const SENDS_AT_ONCE = new Set(['websocket', 'polling']);

/**
 * Empties each write buffer engine.io has handed to a transport, once the transport has sent it.
 *
 * engine.io starts a new write buffer per flush and leaves the packets in the array it sent. With
 * thousands of sockets that array lives from one message to the socket's next (seconds), long
 * enough for V8 to promote it to the old generation; dead, it still points at the packets,
 * pre-encoded frames and strings of the last flush. A scavenge treats every old-to-young pointer
 * as a root, so those would stay alive and be promoted too: every delivered message would reach
 * the old generation, which would then need a major collection (a stall of hundreds of ms) every
 * few seconds under load. An emptied array holds nothing (docs/performance.md has the figures).
 *
 * It uses engine.io's documented server events `flush` (socket, buffer) and `drain` (socket),
 * which `Socket#flush()` emits around `transport.send(buffer)`, in the same call.
 */
export function releaseFlushedBuffers(engine: Engine): void {
  let flushing: FlushedSocket | undefined;
  let buffer: unknown[] | undefined;
  engine.on('flush', (socket: FlushedSocket, sent: unknown[]) => {
    flushing = socket;
    buffer = sent;
  });
  engine.on('drain', (socket: FlushedSocket) => {
    if (socket === flushing && buffer && SENDS_AT_ONCE.has(socket.transport.name)) buffer.length = 0;
    flushing = undefined;
    buffer = undefined;
  });
}

/** The TCP socket under a WebSocket transport (ws's `_socket`), when there is one. */
interface CorkableSocket {
  transport: { name: string; socket?: { _socket?: { cork(): void; uncork(): void } } };
}

/**
 * Writes the WebSocket frames of one flush to the TCP socket in one system call: between
 * engine.io's `flush` and `drain` server events (one synchronous `transport.send`), the socket is
 * corked, so the frames of a buffer of several packets — a recovered socket's replay, a burst to
 * one user — leave in one `writev` instead of one `write` each. A profile of a node recovering
 * 5,000 sockets after a drain had two fifths of its samples in Node's per-write stream work
 * (docs/performance.md). A single packet is written as before.
 */
export function writeFlushesTogether(engine: Engine): void {
  // One entry per flush in progress (a flush inside another's send would nest): what to uncork.
  const corked: Array<{ uncork(): void } | undefined> = [];
  engine.on('flush', (socket: CorkableSocket, sent: unknown[]) => {
    const tcp = sent.length > 1 && socket.transport.name === 'websocket' ? socket.transport.socket?._socket : undefined;
    tcp?.cork();
    corked.push(tcp);
  });
  engine.on('drain', () => corked.pop()?.uncork());
}

/** An engine.io packet's size on the wire before framing: its type byte and its data. */
function packetBytes(packet: EnginePacket): number {
  const { data } = packet;
  if (typeof data === 'string') return 1 + Buffer.byteLength(data);
  if (data instanceof ArrayBuffer) return 1 + data.byteLength;
  if (ArrayBuffer.isView(data)) return 1 + data.byteLength;
  return 1;
}

/**
 * Reports the bytes of each write buffer engine.io hands to a client's transport, at the same
 * `flush` event: what every namespace sent, pings included, before WebSocket framing and
 * compression (docs/operations.md: gateway_outbound_bytes_total).
 */
export function countOutboundBytes(engine: Engine, count: (bytes: number, transport: string) => void): void {
  engine.on('flush', (socket: FlushedSocket, sent: EnginePacket[]) => {
    let bytes = 0;
    for (const packet of sent) bytes += packetBytes(packet);
    count(bytes, socket.transport.name);
  });
}
