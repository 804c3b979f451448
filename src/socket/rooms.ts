/** Room names: one per user, one per session of a user (revoking a session targets exactly its sockets). */
export const Rooms = {
  user: (userId: string) => `user:${userId}`,
  session: (userId: string, sessionId: string) => `session:${userId}:${sessionId}`,
  chat: (chatId: string) => `chat:${chatId}`,
};
