import { Injectable } from '@nestjs/common';
import { ConnectionStore } from '../connection.store.js';

@Injectable()
export class MemoryConnectionStore extends ConnectionStore {
  /** userId → socketId → nodeId */
  private readonly sockets = new Map<string, Map<string, string>>();
  private readonly nodes = new Map<string, number>();

  async add(userId: string, socketId: string, nodeId: string): Promise<void> {
    let m = this.sockets.get(userId);
    if (!m) this.sockets.set(userId, (m = new Map()));
    m.set(socketId, nodeId);
  }

  async remove(userId: string, socketId: string): Promise<void> {
    const m = this.sockets.get(userId);
    if (!m) return;
    m.delete(socketId);
    if (m.size === 0) this.sockets.delete(userId);
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

  async removeNode(nodeId: string): Promise<void> {
    this.nodes.delete(nodeId);
  }
}
