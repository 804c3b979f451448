import type { UserSocket } from '../socket/events.js';

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

/** The Actor of an authenticated user socket (transports call this, features never do). */
export function actorOf(socket: UserSocket): Actor {
  const { userId, sessionId, chats } = socket.data;
  return { userId, sessionId, socketId: socket.id, chats };
}
