import type { BroadcastOperator, Socket } from 'socket.io';

/**
 * Sends one last event to a socket of this node (a user socket, or a service socket of
 * `/internal`), then disconnects it with a DISCONNECT packet (the client sees "io server
 * disconnect" and does not reconnect by itself). Not `socket.emit`: with connection-state
 * recovery on a cluster adapter that packet is published to Redis first and written later, i.e.
 * after the disconnect, and would be lost.
 */
export function emitThenDisconnect<S extends { [K in keyof S]: (...args: any[]) => void }, E extends keyof S & string>(
  socket: Socket<any, S, any, any>,
  event: E,
  ...args: Parameters<S[E]>
): void {
  if (!socket.connected) return;
  // The signature checks the event against the socket's map; inside, any map is the same packet.
  const local: BroadcastOperator<any, unknown> = socket.nsp.local;
  local.to(socket.id).emit(event, ...args);
  socket.disconnect(true);
}
