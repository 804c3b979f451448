import { Injectable } from '@nestjs/common';
import { type RecoveryRecord, type RecoveryRecordInput, RecoveryStore } from '../recovery.store.js';
import { RedisConnections } from './redis-connections.js';

/** One hash per recovery id; writes are scripts so a claim sees exactly the version it read. */
@Injectable()
export class RedisRecoveryStore extends RecoveryStore {
  constructor(private readonly redis: RedisConnections) {
    super();
  }

  async save(pid: string, r: RecoveryRecordInput, liveTtlMs: number): Promise<void> {
    await this.redis.script('gwRecSave')(this.redis.keys.recovery(pid), r.sid, r.userId, r.sessionId, r.node, JSON.stringify(r.rooms), liveTtlMs);
  }

  async gone(pid: string, node: string, now: number, windowMs: number): Promise<void> {
    await this.redis.script('gwRecGone')(this.redis.keys.recovery(pid), node, now, windowMs);
  }

  async get(pid: string): Promise<RecoveryRecord | null> {
    const h = await this.redis.command.hgetall(this.redis.keys.recovery(pid));
    if (!h.sid || !h.u || !h.node) return null;
    let rooms: string[] = [];
    try {
      const parsed: unknown = JSON.parse(h.rooms ?? '[]');
      if (Array.isArray(parsed)) rooms = parsed.filter((r): r is string => typeof r === 'string');
    } catch {
      // A damaged list recovers no extra room; the user's own rooms are rebuilt on connect.
    }
    return {
      sid: h.sid,
      userId: h.u,
      sessionId: h.s ?? '',
      node: h.node,
      rooms,
      state: h.state === 'gone' ? 'gone' : 'live',
      goneAt: h.goneAt === undefined ? undefined : Number(h.goneAt),
      version: Number(h.v ?? 0),
    };
  }

  async claim(pid: string, version: number, node: string, liveTtlMs: number): Promise<boolean> {
    return (await this.redis.script('gwRecClaim')(this.redis.keys.recovery(pid), version, node, liveTtlMs)) === 1;
  }

  async remove(pid: string): Promise<void> {
    await this.redis.command.del(this.redis.keys.recovery(pid));
  }
}
