import type { Socket } from 'socket.io';
import { type DeliverySocket, HELD, Outgoing, POSITION, REPLAYED } from '../cluster/local-delivery.js';
import { formatOffset } from '../cluster/offsets.js';
import { closePacket, decodeBody } from '../cluster/wire.js';
import type { Position, Received } from '../engine/broker.js';

/** Replayed packets written per turn of the event loop: a long replay never stalls other sockets. */
const CHUNK = 100;
/** Live publications one socket may have waiting during its replay; past it the replay gives up. */
export const MAX_HELD = 2000;

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** From now on, live publications for `socket` wait until `release` (its replay runs meanwhile). */
export function hold(socket: Socket): void {
  (socket as unknown as DeliverySocket)[HELD] ??= [];
}

export function isHeld(socket: Socket): boolean {
  return (socket as unknown as DeliverySocket)[HELD] !== undefined;
}

/** Stops holding without writing what waited (the socket is going away). */
export function dropHeld(socket: Socket): void {
  delete (socket as unknown as DeliverySocket)[HELD];
}

/**
 * Writes the history entries after `after` that are addressed to the socket (not excluded by one
 * of its rooms), in clock order, then what was held for it meanwhile, skipping what the replay
 * already carried, then lets live publications through. `announce` writes a packet of the
 * caller's between the two. Returns false when it gave up (the socket left, or too much was
 * held): the caller disconnects it.
 */
export async function replay(socket: Socket, after: Position, entries: Received[], announce?: () => void): Promise<boolean> {
  const s = socket as unknown as DeliverySocket;
  const sent = new Set<number>();
  let written = 0;
  for (const entry of entries) {
    if (!socket.connected) return false;
    if (entry.n <= after || sent.has(entry.n)) continue;
    const body = decodeBody(entry.body);
    if (!body || body.except.some((room) => socket.rooms.has(room))) continue;
    const offset = formatOffset(entry.n);
    new Outgoing(closePacket(body.text, offset), body.nsp).write(socket);
    s[POSITION] = entry.n;
    s[REPLAYED] = entry.n;
    sent.add(entry.n);
    if (++written % CHUNK === 0) await nextTurn();
  }
  if (announce && socket.connected) announce();
  // Live publications held meanwhile, in arrival order; some may also have been in the history.
  for (;;) {
    const held = s[HELD];
    if (!held || !socket.connected) return false;
    if (held.length > 2 * MAX_HELD) return false;
    if (held.length === 0) break;
    s[HELD] = [];
    for (let i = 0; i < held.length; i += 2) {
      const n = held[i] as number;
      if (n <= after || sent.has(n)) continue;
      new Outgoing(held[i + 1] as string, socket.nsp.name).write(socket);
      s[POSITION] = n;
      sent.add(n);
    }
    if (s[HELD]?.length) await nextTurn();
  }
  delete s[HELD];
  return true;
}
