/**
 * Registry of live sockets per user across nodes. A socket counts only while its node
 * keeps heartbeating, so a crashed node's sockets stop counting after the node TTL.
 */
export abstract class ConnectionStore {
  abstract add(userId: string, socketId: string, nodeId: string): Promise<void>;
  abstract remove(userId: string, socketId: string): Promise<void>;
  /** Live sockets (on live nodes) per user; users without any are absent. */
  abstract socketCounts(userIds: string[], now: number): Promise<Map<string, number>>;

  /** Those of `userIds` with at least one socket on a live node. */
  async onlineUsers(userIds: string[], now: number): Promise<Set<string>> {
    return new Set((await this.socketCounts(userIds, now)).keys());
  }
  abstract heartbeat(nodeId: string, now: number, ttlMs: number): Promise<void>;
  abstract removeNode(nodeId: string): Promise<void>;
}
