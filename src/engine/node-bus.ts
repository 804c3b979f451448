/**
 * What each topic of the node bus carries. Features that talk to the other nodes declare their
 * topics here by declaration merging (`declare module '…/engine/node-bus.js' { interface
 * NodeTopics { 'session:logout': LogoutOrder } }`), so the engine knows no feature type.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface NodeTopics {}

export type NodeTopic = keyof NodeTopics & string;

/**
 * Messages from one node to the others (or to one of them), for every feature that must reach
 * the other nodes: the Socket.IO adapter's cluster requests, the recovery's question "is this
 * socket still connected on you?", logout orders. With Redis they travel on the node channels
 * beside the publications, in the order Redis applied them; in memory there is one node:
 * nothing is sent and nobody else is alive.
 */
export abstract class NodeBus {
  /** To every node but this one. */
  abstract toAll<T extends NodeTopic>(topic: T, payload: NodeTopics[T]): Promise<void>;
  abstract toNode<T extends NodeTopic>(nodeId: string, topic: T, payload: NodeTopics[T]): Promise<void>;
  /** Handles the `topic` messages other nodes send to this one (`from`: the sender's node id). */
  abstract on<T extends NodeTopic>(topic: T, handler: (payload: NodeTopics[T], from: string) => void): void;
  /**
   * False once `nodeId` is known to be gone: its heartbeat lapsed, or it no longer listens on
   * its channel. A node that crashed is told apart within a second or two this way.
   */
  abstract isAlive(nodeId: string, now: number): Promise<boolean>;
  /** When `nodeId` last beat (ms), if still known. */
  abstract lastSeen(nodeId: string): Promise<number | undefined>;
}
