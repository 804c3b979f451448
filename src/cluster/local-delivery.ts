import type { Socket } from 'socket.io';
import WebSocket from 'ws';
import { PacketType } from 'socket.io-parser';

/**
 * On a socket whose recovery replay is running: its live publications wait here, as
 * [position, wire text, …], and go out after the replay (src/recovery/replay.ts).
 */
export const HELD = Symbol('held');
/**
 * The position of the last publication written to the socket (its offset argument is this in
 * base 36). Kept as a number: V8 then updates the socket's field in place, where a new offset
 * string per message would live on the socket until its next message and be promoted to the old
 * generation at the message rate (docs/performance.md, Known limits).
 */
export const POSITION = Symbol('position');
/**
 * The position of the last history entry a recovery replay wrote to the socket: a live
 * publication at or before it that was still waiting for its turn (SlicedWrites) is not written
 * again. Only the replay sets it: a fresh socket's position says nothing about what it got.
 */
export const REPLAYED = Symbol('replayed');

export interface DeliverySocket {
  [HELD]?: Array<number | string>;
  [POSITION]?: number;
  [REPLAYED]?: number;
}

interface EngineClient {
  writeToEngine(encoded: string[], opts: { preEncoded: boolean; wsPreEncodedFrame?: unknown }): void;
}

interface OutgoingHook {
  notifyOutgoingListeners?: (packet: { type: number; nsp: string; data: unknown[] }) => void;
  _anyOutgoingListeners?: unknown[];
}

const Sender = (WebSocket as unknown as { Sender?: { frame(data: Buffer, options: object): unknown } }).Sender;

/**
 * One encoded packet on its way to this node's sockets: the text and the WebSocket frame are
 * built once, on the first socket, for all of them (what socket.io-adapter's broadcast does).
 */
export class Outgoing {
  private frame?: unknown;
  private framed = false;

  constructor(
    readonly wire: string,
    private readonly nsp: string,
  ) {}

  write(socket: Socket): void {
    if (!this.framed) {
      this.framed = true;
      if (Sender) this.frame = Sender.frame(Buffer.from(`4${this.wire}`), { readOnly: false, mask: false, rsv1: false, opcode: 1, fin: true });
    }
    const hook = socket as unknown as OutgoingHook;
    if (hook._anyOutgoingListeners?.length) hook.notifyOutgoingListeners?.({ type: PacketType.EVENT, nsp: this.nsp, data: parseData(this.wire) });
    (socket.client as unknown as EngineClient).writeToEngine([this.wire], { preEncoded: true, wsPreEncodedFrame: this.frame });
  }
}

/** The data array of an encoded EVENT packet (only for outgoing listeners, e.g. the Admin UI). */
function parseData(wire: string): unknown[] {
  const start = wire.indexOf('[');
  try {
    return JSON.parse(wire.slice(start)) as unknown[];
  } catch {
    return [];
  }
}
