/**
 * The path of a publication between nodes (docs/scaling.md, "The path between nodes"): one call
 * stamps it with the cluster's position, keeps it in the history of each target room that may
 * be recovered, and hands it to exactly the nodes that need it. With Redis that is one Lua
 * script and pub/sub channels per node; in memory there is one node and it is a function call.
 */

/**
 * A position of the cluster's publication clock. A clock starts at the time it starts, in
 * microseconds (a new one when Redis comes back empty), and counts one per kept publication, so
 * a position never repeats and says which clock it belongs to: one below the current clock's
 * start is from a clock whose publications are gone.
 */
export type Position = number;

/** What the adapter publishes: its body is opaque here (target rooms and the encoded packet). */
export interface Publication {
  /** Encoded target rooms and packet (src/cluster/wire.ts). */
  body: string;
  /** Kept in the target rooms' histories and stamped with a position (false: volatile packets, namespaces without recovery). */
  kept: boolean;
  /** The target rooms (empty: every socket of the namespace). */
  rooms: readonly string[];
  /**
   * When set, every target room belongs to one of these users (user and session rooms, grouped
   * by user): the publication goes to the nodes holding their sockets only, and the result says
   * which of them had a live socket. Unset: every node gets it.
   */
  users?: ReadonlyArray<{ userId: string; rooms: readonly string[] }>;
  /**
   * The publisher's own reading of `body`, opaque here: an engine that delivers in the same
   * process (memory) hands it back in `Received.local`, so the body is not parsed again.
   */
  local?: unknown;
}

export interface Published {
  /** 0 when the publication is kept in no history (it has no position). */
  n: Position;
  /** For user-routed publications, per user (in `users` order): had a socket on a live node. */
  live?: boolean[];
}

/** A publication as a node receives it (live, or read back from a room's history). */
export interface Received {
  /** 0: not kept, no position. */
  n: Position;
  body: string;
  /** The publication's `local`, when it never left the process. */
  local?: unknown;
}

/** Entries of the rooms' histories after a position, merged in clock order. */
export type HistoryRead =
  | { ok: true; entries: Received[] }
  /**
   * `gap`: some were dropped (a room's cap); `reset`: the position is from a clock before the
   * current one (Redis came back empty: every history went with it); `overflow`: more than the limit.
   */
  | { ok: false; reason: 'gap' | 'reset' | 'overflow' };

export abstract class Broker {
  /** Publishes in order; resolves once the engine has accepted all of them (rejects: none taken). */
  abstract publish(batch: Publication[], now: number): Promise<Published[]>;
  /** Receives every publication addressed to this node, in clock order, from now on. */
  abstract onReceive(handler: (received: Received) => void): void;
  /** Called when this node may have missed publications (its channel was down): catch up from history. */
  abstract onResume(handler: () => void): void;
  /** The clock's current position: a new socket has seen everything up to it. */
  abstract position(): Promise<Position>;
  /** The publications kept for `rooms` after `after`, oldest first, at most `limit`. */
  abstract history(rooms: readonly string[], after: Position, limit: number): Promise<HistoryRead>;
  /** `userId` may recover for `ttlMs` (their rooms' histories are kept meanwhile, even with no live socket). */
  abstract keepHistory(userId: string, ttlMs: number): Promise<void>;
}
