import { Injectable } from '@nestjs/common';
import { ConnectionStore } from '../connection.store.js';

@Injectable()
export class MemoryConnectionStore extends ConnectionStore {
  /** userId → socketId → nodeId */
  private readonly sockets = new Map<string, Map<string, string>>();
  private readonly nodes = new Map<string, number>();

  async add(userId: string, socketId: string, nodeId: string): Promise<{ first: boolean }> {
    let m = this.sockets.get(userId);
    if (!m) this.sockets.set(userId, (m = new Map()));
    m.set(socketId, nodeId);
    return { first: m.size === 1 };
  }

  async remove(userId: string, socketId: string): Promise<{ last: boolean }> {
    const m = this.sockets.get(userId);
    if (!m?.delete(socketId)) return { last: false };
    if (m.size > 0) return { last: false };
    this.sockets.delete(userId);
    return { last: true };
  }

  async socketCounts(userIds: string[], now: number): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    for (const u of userIds) {
      const live = [...(this.sockets.get(u)?.values() ?? [])].filter((n) => (this.nodes.get(n) ?? 0) > now).length;
      if (live > 0) counts.set(u, live);
    }
    return counts;
  }

  async heartbeat(nodeId: string, now: number, ttlMs: number): Promise<void> {
    this.nodes.set(nodeId, now + ttlMs);
  }

  async deadNodes(now: number): Promise<string[]> {
    return [...this.nodes].filter(([, until]) => until <= now).map(([n]) => n);
  }

  async sweepNode(nodeId: string): Promise<string[]> {
    this.nodes.delete(nodeId);
    const gone: string[] = [];
    for (const [userId, m] of this.sockets) {
      for (const [sid, node] of m) if (node === nodeId) m.delete(sid);
      if (m.size === 0) {
        this.sockets.delete(userId);
        gone.push(userId);
      }
    }
    return gone;
  }

  async scanOnline(cursor: string, count: number): Promise<{ cursor: string; userIds: string[] }> {
    const all = [...this.sockets.keys()].sort();
    const start = Number(cursor) || 0;
    const page = all.slice(start, start + count);
    const next = start + count >= all.length ? '0' : String(start + count);
    return { cursor: next, userIds: page };
  }
}
