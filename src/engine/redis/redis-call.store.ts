import { Injectable } from '@nestjs/common';
import { type AnswerOutcome, type CallRecord, CallStore } from '../call.store.js';
import { KEY_SLACK_MS } from './lua-scripts.js';
import { RedisConnections } from './redis-connections.js';

/** The stored JSON: the record plus the instant (the creator's clock) from which it no longer exists. */
type StoredCall = CallRecord & { liveUntil?: number };

/** The record without the store's own field. */
const record = (stored: StoredCall): CallRecord => {
  const { liveUntil: _until, ...call } = stored;
  return call;
};

/** The record of `raw`, unless it lapsed by `now` (a record written before `liveUntil` existed lapses with its key). */
const live = (raw: string | null, now: number): CallRecord | undefined => {
  if (!raw) return undefined;
  const stored = JSON.parse(raw) as StoredCall;
  return stored.liveUntil !== undefined && stored.liveUntil <= now ? undefined : record(stored);
};

/**
 * A key per call plus a sorted set of ringing calls by deadline. All call keys share one hash
 * tag, so the expiry script can touch the set and the calls in one Cluster slot. A record's
 * lifetime is `liveUntil` in its JSON, by the caller's clock; the key's own expiry is only a
 * backstop set KEY_SLACK_MS later.
 */
@Injectable()
export class RedisCallStore extends CallStore {
  constructor(private readonly redis: RedisConnections) {
    super();
  }

  private keys(callId: string): [string, string] {
    return [this.redis.keys.call(callId), this.redis.keys.ringingCalls];
  }

  async create(call: CallRecord, ttlMs: number, now: number): Promise<void> {
    const [key, ringing] = this.keys(call.callId);
    const stored: StoredCall = { ...call, liveUntil: now + ttlMs };
    await this.redis.command.multi().set(key, JSON.stringify(stored), 'PX', ttlMs + KEY_SLACK_MS).zadd(ringing, call.ringDeadline, call.callId).exec();
  }

  async get(callId: string, now: number): Promise<CallRecord | undefined> {
    return live(await this.redis.command.get(this.redis.keys.call(callId)), now);
  }

  async answer(callId: string, socketId: string, now: number): Promise<AnswerOutcome> {
    const res = (await this.redis.script('gwCallAnswer')(...this.keys(callId), socketId, now)) as string | number;
    if (res === 0) return { answered: false, reason: 'not_found' };
    if (res === -1) return { answered: false, reason: 'not_ringing' };
    return { answered: record(JSON.parse(res as string) as StoredCall) };
  }

  /** Removes the key in any case (as the memory store does); the record only while it lives. */
  async end(callId: string, now: number): Promise<CallRecord | undefined> {
    return live((await this.redis.script('gwCallEnd')(...this.keys(callId), callId)) as string | null, now);
  }

  async expireDue(now: number): Promise<CallRecord[]> {
    const raw = (await this.redis.script('gwCallExpireDue')(this.redis.keys.ringingCalls, this.redis.keys.call(''), now)) as string[];
    return raw.map((r) => record(JSON.parse(r) as StoredCall));
  }
}
