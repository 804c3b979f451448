/**
 * Room names: one per user, one per session of a user (revoking a session targets exactly its
 * sockets). Names are injective: the session room carries the user id's length, so user `a:b`
 * with session `c` and user `a` with session `b:c` never share a room (docs/protocol.md §2.1).
 */
export const Rooms = {
  user: (userId: string) => `user:${userId}`,
  session: (userId: string, sessionId: string) => `session:${userId.length}:${userId}:${sessionId}`,
  chat: (chatId: string) => `chat:${chatId}`,
};
