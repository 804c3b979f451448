import type { UserSocket, UserSocketData } from '../socket/events.js';

/**
 * Who acts, as the features see it: the user, the session and the connection the action came
 * from, and the chats the token granted. Services take an Actor (or plain ids), never a socket,
 * so any transport can call them.
 */
export interface Actor {
  readonly userId: string;
  readonly sessionId: string;
  /** The connection the action came from (its replies and exclusions address it). */
  readonly socketId: string;
  /** Chats granted by the token's `chats` claim, besides the stored membership. */
  readonly chats: readonly string[];
}

/** Under a symbol: neither a recovery session (which serialises socket.data) nor a client ever sees it. */
const ACTOR = Symbol('actor');
type CachingData = UserSocketData & { [ACTOR]?: Actor };

/**
 * Builds the socket's Actor and keeps it on socket.data. The handshake calls this once the
 * identity is set and recovery admitted (a refused recovery changes the socket's id); call it
 * again wherever the id, user, session or chats of the socket change
 * (`auth:refresh` changes only roles and expiry, which the Actor does not hold).
 */
export function cacheActor(socket: UserSocket): Actor {
  const { userId, sessionId, chats } = socket.data;
  const actor: Actor = { userId, sessionId, socketId: socket.id, chats };
  (socket.data as CachingData)[ACTOR] = actor;
  return actor;
}

/** The Actor of an authenticated user socket, without allocating per event (transports call this, features never do). */
export function actorOf(socket: UserSocket): Actor {
  return (socket.data as CachingData)[ACTOR] ?? cacheActor(socket);
}
