import { Injectable } from '@nestjs/common';
import { type AnswerOutcome, type CallRecord, CallStore } from '../call.store.js';
import { RedisConnections } from './redis-connections.js';

/**
 * A key per call plus a sorted set of ringing calls by deadline. All call keys share one hash
 * tag, so the expiry script can touch the set and the calls in one Cluster slot.
 */
@Injectable()
export class RedisCallStore extends CallStore {
  constructor(private readonly redis: RedisConnections) {
    super();
  }

  private keys(callId: string): [string, string] {
    return [this.redis.keys.call(callId), this.redis.keys.ringingCalls];
  }

  async create(call: CallRecord, ttlMs: number): Promise<void> {
    const [key, ringing] = this.keys(call.callId);
    await this.redis.command.multi().set(key, JSON.stringify(call), 'PX', ttlMs).zadd(ringing, call.ringDeadline, call.callId).exec();
  }

  async get(callId: string): Promise<CallRecord | undefined> {
    const raw = await this.redis.command.get(this.redis.keys.call(callId));
    return raw ? (JSON.parse(raw) as CallRecord) : undefined;
  }

  async answer(callId: string, socketId: string): Promise<AnswerOutcome> {
    const res = (await this.redis.script('gwCallAnswer')(...this.keys(callId), socketId)) as string | number;
    if (res === 0) return { answered: false, reason: 'not_found' };
    if (res === -1) return { answered: false, reason: 'not_ringing' };
    return { answered: JSON.parse(res as string) as CallRecord };
  }

  async end(callId: string): Promise<CallRecord | undefined> {
    const raw = (await this.redis.script('gwCallEnd')(...this.keys(callId), callId)) as string | null;
    return raw ? (JSON.parse(raw) as CallRecord) : undefined;
  }

  async expireDue(now: number): Promise<CallRecord[]> {
    const raw = (await this.redis.script('gwCallExpireDue')(this.redis.keys.ringingCalls, this.redis.keys.call(''), now)) as string[];
    return raw.map((r) => JSON.parse(r) as CallRecord);
  }
}
