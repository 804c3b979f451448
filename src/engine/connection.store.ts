/**
 * Registry of live sockets per user across nodes. A socket counts only while its node
 * keeps heartbeating; a dead node's sockets are swept through a per-node index (no KEYS).
 */
export abstract class ConnectionStore {
  /** `first` when this made the user go from no socket to one. */
  abstract add(userId: string, socketId: string, nodeId: string): Promise<{ first: boolean }>;
  /**
   * `last` when this removed the user's last socket. Only the registration by `nodeId` goes: the
   * same socket id registered by another node since (a recovered socket keeps its id) stays.
   */
  abstract remove(userId: string, socketId: string, nodeId: string): Promise<{ last: boolean }>;
  /** Live sockets (on live nodes) per user; users without any are absent. */
  abstract socketCounts(userIds: string[], now: number): Promise<Map<string, number>>;

  /** Those of `userIds` with at least one socket on a live node. */
  async onlineUsers(userIds: string[], now: number): Promise<Set<string>> {
    return new Set((await this.socketCounts(userIds, now)).keys());
  }

  /** Marks `nodeId` live until `now + ttlMs`; `wasLive` is false when it was not listed live before (first beat, or swept). */
  abstract heartbeat(nodeId: string, now: number, ttlMs: number): Promise<{ wasLive: boolean }>;
  /** Nodes whose heartbeat has not lapsed at `now`. */
  abstract liveNodes(now: number): Promise<string[]>;
  /** Lapses `nodeId`'s heartbeat at once (it is known gone before its heartbeat would lapse). */
  abstract expire(nodeId: string, now: number): Promise<void>;
  /** Nodes whose heartbeat lapsed before `now`. */
  abstract deadNodes(now: number): Promise<string[]>;
  /**
   * Claims a node for cleanup (only one caller wins) and removes its sockets; returns the users
   * left with no socket at all. Also used by a node on its own graceful shutdown. Their users
   * stay recoverable for `keepHistoryMs` (the broker keeps their rooms' histories): the sockets
   * of a crashed node come back elsewhere and recover what was sent meanwhile.
   */
  abstract sweepNode(nodeId: string, keepHistoryMs: number): Promise<string[]>;
  /** The sockets `nodeId` has registered, as [userId, socketId] (what a sweep of it would remove). */
  abstract registeredBy(nodeId: string): Promise<Array<[userId: string, socketId: string]>>;
  /** Every user with a socket, paged (cursor '0' starts and ends). */
  abstract scanOnline(cursor: string, count: number): Promise<{ cursor: string; userIds: string[] }>;
}
