/**
 * What a socket needs to be recovered on any node (docs/protocol.md §4.8): stored when it
 * connects and as its rooms change, never only when it disconnects (a crashed node never does).
 */
export interface RecoveryRecord {
  /** The socket id the recovered socket gets back. */
  sid: string;
  userId: string;
  sessionId: string;
  /** The node holding it while `state` is `live`. */
  node: string;
  /** Its rooms besides its own id. */
  rooms: string[];
  state: 'live' | 'gone';
  /** When it went (`gone`). */
  goneAt?: number;
  /** Changes on every write: a claim names the version it read. */
  version: number;
}

export type RecoveryRecordInput = Pick<RecoveryRecord, 'sid' | 'userId' | 'sessionId' | 'node' | 'rooms'>;

export abstract class RecoveryStore {
  /** Stores (or replaces) the live record of `pid`; kept for `liveTtlMs` unless written again. */
  abstract save(pid: string, record: RecoveryRecordInput, liveTtlMs: number): Promise<void>;
  /** Its socket left at `now`: the record is kept for `windowMs` more. Only the node holding it writes this. */
  abstract gone(pid: string, node: string, now: number, windowMs: number): Promise<void>;
  abstract get(pid: string): Promise<RecoveryRecord | null>;
  /**
   * Takes the record for `node` if it is still at `version` (no other restore took it meanwhile):
   * it becomes live there. One of two concurrent claims wins.
   */
  abstract claim(pid: string, version: number, node: string, liveTtlMs: number): Promise<boolean>;
  abstract remove(pid: string): Promise<void>;
}
