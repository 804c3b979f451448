import type { BroadcastOperator, Socket } from 'socket.io';

type Events<S> = { [K in keyof S]: (...args: any[]) => void };

/**
 * How a farewell leaves: `disconnect` sends a DISCONNECT packet (the client sees "io server
 * disconnect" and does not reconnect by itself); `closeTransport` closes the transport without
 * one (the client sees "transport close" and reconnects by itself — to another node when this
 * one drains — keeping its recovery session; engine.io closes it once the event is written).
 */
export type FarewellEnd = 'disconnect' | 'closeTransport';

/**
 * Sends one last event to a socket of this node (a user socket, or a service socket of
 * `/internal`), then ends it as `end` says. Not `socket.emit`: with connection-state recovery on
 * a cluster adapter that packet is published to Redis first and written later, i.e. after the
 * disconnect, and would be lost.
 */
export function farewell<S extends Events<S>, E extends keyof S & string>(socket: Socket<any, S, any, any>, end: FarewellEnd, event: E, ...args: Parameters<S[E]>): void {
  if (!socket.connected) return;
  // The signature checks the event against the socket's map; inside, any map is the same packet.
  const local: BroadcastOperator<any, unknown> = socket.nsp.local;
  local.to(socket.id).emit(event, ...args);
  if (end === 'disconnect') socket.disconnect(true);
  else socket.conn.close();
}

/** farewell(…, 'disconnect', …): the last event, then a DISCONNECT packet. */
export function emitThenDisconnect<S extends Events<S>, E extends keyof S & string>(socket: Socket<any, S, any, any>, event: E, ...args: Parameters<S[E]>): void {
  farewell(socket, 'disconnect', event, ...args);
}
