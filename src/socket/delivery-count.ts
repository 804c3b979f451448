import type { DeliveryKind } from '../metrics/metrics.service.js';
import { Rooms } from './rooms.js';

/**
 * How a delivered message was addressed, for gateway_messages_delivered_total: to users, sessions
 * or sockets (a socket's id is a room too) is `targeted`; to any other room `room`; to no room
 * (the whole namespace) `broadcast`. The adapter (src/cluster/gateway.adapter.ts) reports each
 * delivery with its rooms; src/socket/gateway-io.adapter.ts turns that into the counter.
 */
export function deliveryKind(rooms: Iterable<string>, isSocketId: (room: string) => boolean): DeliveryKind {
  let any = false;
  for (const room of rooms) {
    any = true;
    if (Rooms.ownerOf(room) === undefined && !isSocketId(room)) return 'room';
  }
  return any ? 'targeted' : 'broadcast';
}
