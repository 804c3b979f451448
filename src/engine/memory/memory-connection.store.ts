import { Injectable } from '@nestjs/common';
import { ConnectionStore } from '../connection.store.js';

/**
 * A user's sockets as [socketId, nodeId, socketId, nodeId, …]: most users have one or two, and
 * a `Map` per user would cost ~200 bytes more per connected user.
 */
type UserSockets = string[];

@Injectable()
export class MemoryConnectionStore extends ConnectionStore {
  private readonly sockets = new Map<string, UserSockets>();
  private readonly nodes = new Map<string, number>();

  async add(userId: string, socketId: string, nodeId: string): Promise<{ first: boolean }> {
    const list = this.sockets.get(userId);
    if (!list) {
      this.sockets.set(userId, [socketId, nodeId]);
      return { first: true };
    }
    const i = indexOfSocket(list, socketId);
    if (i >= 0) list[i + 1] = nodeId;
    else list.push(socketId, nodeId);
    // As the Redis script: the only socket, even added again, is the first.
    return { first: list.length === 2 };
  }

  async remove(userId: string, socketId: string, nodeId: string): Promise<{ last: boolean }> {
    const list = this.sockets.get(userId);
    const i = list ? indexOfSocket(list, socketId) : -1;
    // Registered on another node meanwhile (recovered there under the same id): it stays.
    if (!list || i < 0 || list[i + 1] !== nodeId) return { last: false };
    list.splice(i, 2);
    if (list.length > 0) return { last: false };
    this.sockets.delete(userId);
    return { last: true };
  }

  /** Per user of `userIds`: has a socket on a live node (synchronous: the broker answers in the same call). */
  liveNow(userIds: string[], now: number): boolean[] {
    return userIds.map((u) => {
      const list = this.sockets.get(u);
      if (!list) return false;
      for (let i = 1; i < list.length; i += 2) if ((this.nodes.get(list[i]) ?? 0) > now) return true;
      return false;
    });
  }

  async socketCounts(userIds: string[], now: number): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    for (const u of userIds) {
      const list = this.sockets.get(u);
      if (!list) continue;
      let live = 0;
      for (let i = 1; i < list.length; i += 2) if ((this.nodes.get(list[i]) ?? 0) > now) live++;
      if (live > 0) counts.set(u, live);
    }
    return counts;
  }

  async heartbeat(nodeId: string, now: number, ttlMs: number): Promise<{ wasLive: boolean }> {
    const before = this.nodes.get(nodeId);
    this.nodes.set(nodeId, now + ttlMs);
    return { wasLive: before !== undefined && before > now };
  }

  async liveNodes(now: number): Promise<string[]> {
    return [...this.nodes].filter(([, until]) => until > now).map(([n]) => n);
  }

  async expire(nodeId: string, now: number): Promise<void> {
    if (this.nodes.has(nodeId)) this.nodes.set(nodeId, now);
  }

  async deadNodes(now: number): Promise<string[]> {
    return [...this.nodes].filter(([, until]) => until <= now).map(([n]) => n);
  }

  /** The memory engine keeps every room's history anyway: `keepHistoryMs` changes nothing here. */
  async sweepNode(nodeId: string, _keepHistoryMs = 0): Promise<string[]> {
    this.nodes.delete(nodeId);
    const gone: string[] = [];
    for (const [userId, list] of this.sockets) {
      for (let i = list.length - 2; i >= 0; i -= 2) if (list[i + 1] === nodeId) list.splice(i, 2);
      if (list.length === 0) {
        this.sockets.delete(userId);
        gone.push(userId);
      }
    }
    return gone;
  }

  async registeredBy(nodeId: string): Promise<Array<[string, string]>> {
    const found: Array<[string, string]> = [];
    for (const [userId, list] of this.sockets) for (let i = 0; i < list.length; i += 2) if (list[i + 1] === nodeId) found.push([userId, list[i]]);
    return found;
  }

  async scanOnline(cursor: string, count: number): Promise<{ cursor: string; userIds: string[] }> {
    const all = [...this.sockets.keys()].sort();
    const start = Number(cursor) || 0;
    const page = all.slice(start, start + count);
    const next = start + count >= all.length ? '0' : String(start + count);
    return { cursor: next, userIds: page };
  }
}

/** Index of `socketId` in a [socketId, nodeId, …] list, or -1. */
function indexOfSocket(list: UserSockets, socketId: string): number {
  for (let i = 0; i < list.length; i += 2) if (list[i] === socketId) return i;
  return -1;
}
