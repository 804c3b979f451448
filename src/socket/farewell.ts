import type { BroadcastOperator, Socket } from 'socket.io';
import type { InternalServerEventName, InternalServerToClientEvents, ServerEventName, ServerToClientEvents } from './events.js';

/**
 * Sends one last event to a user socket of this node, then disconnects it with a DISCONNECT
 * packet (the client sees "io server disconnect" and does not reconnect by itself).
 * Not `socket.emit`: with connection-state recovery on a cluster adapter that packet is
 * published to Redis first and written later, i.e. after the disconnect, and would be lost.
 */
export function emitThenDisconnect<E extends ServerEventName>(
  socket: Socket<any, ServerToClientEvents, any, any>,
  event: E,
  ...args: Parameters<ServerToClientEvents[E]>
): void {
  if (!socket.connected) return;
  const local: BroadcastOperator<ServerToClientEvents, unknown> = socket.nsp.local;
  local.to(socket.id).emit(event, ...args);
  socket.disconnect(true);
}

/** The same for a service socket of `/internal`. */
export function serviceEmitThenDisconnect<E extends InternalServerEventName>(
  socket: Socket<any, InternalServerToClientEvents, any, any>,
  event: E,
  ...args: Parameters<InternalServerToClientEvents[E]>
): void {
  if (!socket.connected) return;
  const local: BroadcastOperator<InternalServerToClientEvents, unknown> = socket.nsp.local;
  local.to(socket.id).emit(event, ...args);
  socket.disconnect(true);
}
