import type { Socket } from 'socket.io';

/**
 * Sends one last event to a socket of this node, then disconnects it with a DISCONNECT packet
 * (the client sees "io server disconnect" and does not reconnect by itself).
 * Not `socket.emit`: with connection-state recovery on a cluster adapter that packet is
 * published to Redis first and written later, i.e. after the disconnect, and would be lost.
 */
export function emitThenDisconnect(socket: Socket, event: string, payload: unknown): void {
  if (!socket.connected) return;
  (socket.nsp.local.to(socket.id).emit as (event: string, payload: unknown) => boolean)(event, payload);
  socket.disconnect(true);
}
