const USER = 'user:';
const SESSION = 'session:';
const CHAT = 'chat:';
const PRESENCE = 'presence:';

/**
 * Room names: one per user, one per session of a user (revoking a session targets exactly its
 * sockets). Names are injective: the session room carries the user id's length, so user `a:b`
 * with session `c` and user `a` with session `b:c` never share a room (docs/protocol.md §2.1).
 */
export const Rooms = {
  user: (userId: string) => `${USER}${userId}`,
  session: (userId: string, sessionId: string) => `${SESSION}${userId.length}:${userId}:${sessionId}`,
  chat: (chatId: string) => `${CHAT}${chatId}`,
  /** Subscribers of a user's presence changes (presence:subscribe). */
  presence: (userId: string) => `${PRESENCE}${userId}`,
  /** Subscribers of the status page (subscribe:status). */
  status: 'status-updates',
  /** The sockets of one backend service on `/internal`. */
  service: (name: string) => `service:${name}`,

  /** The user a user room or a session room belongs to (undefined for any other room). */
  ownerOf(room: string): string | undefined {
    if (room.startsWith(USER)) return room.slice(USER.length);
    if (!room.startsWith(SESSION)) return undefined;
    const colon = room.indexOf(':', SESSION.length);
    const length = Number(room.slice(SESSION.length, colon));
    if (colon < 0 || !Number.isInteger(length)) return undefined;
    return room.slice(colon + 1, colon + 1 + length);
  },

  /** The chat of a chat room. */
  chatOf(room: string): string | undefined {
    return room.startsWith(CHAT) ? room.slice(CHAT.length) : undefined;
  },

  /** The user whose presence a presence room carries. */
  presenceOf(room: string): string | undefined {
    return room.startsWith(PRESENCE) ? room.slice(PRESENCE.length) : undefined;
  },
};
