/**
 * Messages from one node to the others (or one of them): the Socket.IO adapter's cluster
 * requests (joins, leaves, disconnects, server-side emits and their answers) and the recovery's
 * question "is this socket still connected on you?". In memory there is one node: nothing is
 * sent and nobody else is alive.
 */
export abstract class NodeBus {
  /** To every node but this one. */
  abstract toAll(message: string): Promise<void>;
  abstract toNode(nodeId: string, message: string): Promise<void>;
  /** Adds a listener of every message for this node, in the order the engine applied them with publications. */
  abstract onMessage(handler: (message: string) => void): void;
  /**
   * False once `nodeId` is known to be gone: its heartbeat lapsed, or it no longer listens on
   * its channel. A node that crashed is told apart within a second or two this way.
   */
  abstract isAlive(nodeId: string, now: number): Promise<boolean>;
  /** When `nodeId` last beat (ms), if still known. */
  abstract lastSeen(nodeId: string): Promise<number | undefined>;
}
