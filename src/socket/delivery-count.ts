import type { Server } from 'socket.io';
import type { DeliveryKind } from '../metrics/metrics.service.js';
import { Rooms } from './rooms.js';

/** Where the count goes: MetricsService#delivered. */
export type DeliveryCounter = (namespace: string, kind: DeliveryKind, sockets: number) => void;

type SocketCallback = (socket: unknown) => void;

/** The socket.io-adapter members used here (checked at start-up by internals-check.ts). */
interface CountedAdapter {
  nsp: { name: string };
  sids: Map<string, unknown>;
  _encode(packet: unknown, opts: unknown): unknown[];
  apply(opts: { rooms: Set<string>; except?: Set<string> }, callback: SocketCallback): void;
}

const USER_ROOM = Rooms.user('');
const SESSION_ROOM = 'session:';

/** A broadcast's kind: to users, sessions or sockets (a socket's id is a room too); to any other room; to the whole namespace. */
export function deliveryKind(rooms: ReadonlySet<string>, isSocketId: (room: string) => boolean): DeliveryKind {
  if (rooms.size === 0) return 'broadcast';
  for (const room of rooms) {
    if (!room.startsWith(USER_ROOM) && !room.startsWith(SESSION_ROOM) && !isSocketId(room)) return 'room';
  }
  return 'targeted';
}

/**
 * Counts the sockets of this node each broadcast reaches. socket.io-adapter's in-memory
 * `broadcast()` (and `broadcastWithAck()`), also what the cluster adapter runs for a message
 * from another node, encodes the packet then hands it to every target socket in `apply()`:
 * an `apply()` right after `_encode()` is a delivery, any other (joins, leaves, fetches) is not.
 * Both run in one synchronous call, so a flag links them.
 */
export function countDeliveries(adapter: CountedAdapter, count: DeliveryCounter): void {
  const encode = adapter._encode.bind(adapter);
  const apply = adapter.apply.bind(adapter);
  let delivering = false;
  adapter._encode = (packet, opts) => {
    delivering = true;
    return encode(packet, opts);
  };
  adapter.apply = (opts, callback) => {
    if (!delivering) return apply(opts, callback);
    delivering = false;
    let sockets = 0;
    apply(opts, (socket) => {
      sockets += 1;
      callback(socket);
    });
    if (sockets > 0) count(adapter.nsp.name, deliveryKind(opts.rooms, (room) => adapter.sids.has(room)), sockets);
  };
}

/** Counts deliveries on every namespace of `io`, those created later included. */
export function countServerDeliveries(io: Server, count: DeliveryCounter): void {
  countDeliveries(io.of('/').adapter as unknown as CountedAdapter, count);
  io.on('new_namespace', (nsp: { adapter: unknown }) => countDeliveries(nsp.adapter as CountedAdapter, count));
}
