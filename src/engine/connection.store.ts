/**
 * Registry of live sockets per user across nodes. A socket counts only while its node
 * keeps heartbeating, so a crashed node's sockets stop counting after the node TTL.
 */
export abstract class ConnectionStore {
  abstract add(userId: string, socketId: string, nodeId: string): Promise<void>;
  abstract remove(userId: string, socketId: string): Promise<void>;
  /** Those of `userIds` with at least one socket on a live node. */
  abstract onlineUsers(userIds: string[], now: number): Promise<Set<string>>;
  abstract heartbeat(nodeId: string, now: number, ttlMs: number): Promise<void>;
  abstract removeNode(nodeId: string): Promise<void>;
}
