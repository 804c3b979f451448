import { Injectable } from '@nestjs/common';
import { ConnectionStore } from '../connection.store.js';
import { RedisConnections } from './redis-connections.js';

const SEP = '\u0000';
/** How long a read of the live nodes answers for a node seen live in it (one lookup per emit instead of two). */
const ALIVE_CACHE_MS = 1000;
const BEATS_KEPT_MS = 24 * 60 * 60 * 1000;
/** A dead node's sockets are removed this many at a time (one script each, pipelined). */
const SWEEP_CHUNK = 200;

/**
 * Per user a hash socketId → nodeId (first/last transitions in Lua); per node an index set of
 * `userId␀socketId` for sweeping a dead node; a set of users with sockets for paging; nodes
 * heartbeat into a sorted set scored by expiry.
 */
@Injectable()
export class RedisConnectionStore extends ConnectionStore {
  private alive?: { at: number; until: number; nodes: Set<string> };

  constructor(private readonly redis: RedisConnections) {
    super();
  }

  async add(userId: string, socketId: string, nodeId: string): Promise<{ first: boolean }> {
    const { command, keys } = this.redis;
    await command.sadd(keys.nodeSockets(nodeId), `${userId}${SEP}${socketId}`);
    const first = (await this.redis.script('gwConnAdd')(keys.connections(userId), socketId, nodeId)) === 1;
    if (first) await command.sadd(keys.online, userId);
    return { first };
  }

  async remove(userId: string, socketId: string, nodeId: string, keepHistoryMs = 0): Promise<{ last: boolean }> {
    const { command, keys } = this.redis;
    const last = (await this.redis.script('gwConnRemove')(keys.connections(userId), keys.recoverable(userId), socketId, keepHistoryMs, nodeId)) === 1;
    await command.srem(keys.nodeSockets(nodeId), `${userId}${SEP}${socketId}`);
    if (last) await command.srem(keys.online, userId);
    return { last };
  }

  async socketCounts(userIds: string[], now: number): Promise<Map<string, number>> {
    const { command, keys } = this.redis;
    const perUser = await Promise.all(userIds.map((u) => command.hvals(keys.connections(u))));
    const aliveNodes = await this.aliveNodes(perUser, now);
    const counts = new Map<string, number>();
    userIds.forEach((u, i) => {
      const live = perUser[i].filter((node) => aliveNodes.has(node)).length;
      if (live > 0) counts.set(u, live);
    });
    return counts;
  }

  /**
   * Nodes whose heartbeat has not lapsed. A read is reused while every node in question was live
   * in it and none of them can have lapsed since (`now` is before the earliest expiry it saw), for
   * at most ALIVE_CACHE_MS; a node not in it (new) always causes a fresh read.
   */
  private async aliveNodes(perUser: string[][], now: number): Promise<Set<string>> {
    const c = this.alive;
    if (c && now >= c.at && now <= c.until && now - c.at < ALIVE_CACHE_MS && perUser.every((nodes) => nodes.every((n) => c.nodes.has(n)))) {
      return c.nodes;
    }
    const flat = await this.redis.command.zrangebyscore(this.redis.keys.nodes, `(${now}`, '+inf', 'WITHSCORES');
    const nodes = new Set<string>();
    let until = Infinity;
    for (let i = 0; i < flat.length; i += 2) {
      nodes.add(flat[i]);
      until = Math.min(until, Number(flat[i + 1]));
    }
    this.alive = { at: now, until, nodes };
    return nodes;
  }

  async heartbeat(nodeId: string, now: number, ttlMs: number): Promise<{ wasLive: boolean }> {
    // The last beat outlives the node's sweep (a restore asks when a gone node was last seen).
    const [before] = await Promise.all([
      this.redis.script('gwNodeBeat')(this.redis.keys.nodes, nodeId, now + ttlMs),
      this.redis.command.hset(this.redis.keys.nodeBeats, nodeId, now),
    ]);
    return { wasLive: before !== null && Number(before) > now };
  }

  async liveNodes(now: number): Promise<string[]> {
    return this.redis.command.zrangebyscore(this.redis.keys.nodes, `(${now}`, '+inf');
  }

  async expire(nodeId: string, now: number): Promise<void> {
    await this.redis.command.zadd(this.redis.keys.nodes, 'XX', now, nodeId);
  }

  async deadNodes(now: number): Promise<string[]> {
    return this.redis.command.zrangebyscore(this.redis.keys.nodes, '-inf', now);
  }

  async sweepNode(nodeId: string, keepHistoryMs: number): Promise<string[]> {
    const { command, keys } = this.redis;
    // ZREM answers 1 to exactly one sweeper; a node sweeping itself at shutdown claims it too.
    const claimed = (await command.zrem(keys.nodes, nodeId)) === 1;
    if (!claimed) return [];
    const entries = await command.smembers(keys.nodeSockets(nodeId));
    const gone: string[] = [];
    for (let at = 0; at < entries.length; at += SWEEP_CHUNK) {
      const chunk = entries.slice(at, at + SWEEP_CHUNK).map((entry) => [entry.slice(0, entry.indexOf(SEP)), entry.slice(entry.indexOf(SEP) + 1)]);
      const removed = await Promise.all(chunk.map(([userId, socketId]) => this.remove(userId, socketId, nodeId, keepHistoryMs)));
      removed.forEach(({ last }, i) => last && gone.push(chunk[i][0]));
    }
    await command.del(keys.nodeSockets(nodeId));
    await this.forgetOldBeats(Date.now());
    return gone;
  }

  /** Last beats of nodes gone for a day are of no use to any restore. */
  private async forgetOldBeats(now: number): Promise<void> {
    const beats = await this.redis.command.hgetall(this.redis.keys.nodeBeats);
    const old = Object.entries(beats).filter(([, at]) => Number(at) < now - BEATS_KEPT_MS).map(([node]) => node);
    if (old.length > 0) await this.redis.command.hdel(this.redis.keys.nodeBeats, ...old);
  }

  async registeredBy(nodeId: string): Promise<Array<[string, string]>> {
    const found: Array<[string, string]> = [];
    let cursor = '0';
    do {
      const [next, entries] = await this.redis.command.sscan(this.redis.keys.nodeSockets(nodeId), cursor, 'COUNT', 1000);
      for (const entry of entries) found.push([entry.slice(0, entry.indexOf(SEP)), entry.slice(entry.indexOf(SEP) + 1)]);
      cursor = next;
    } while (cursor !== '0');
    return found;
  }

  async scanOnline(cursor: string, count: number): Promise<{ cursor: string; userIds: string[] }> {
    const [next, userIds] = await this.redis.command.sscan(this.redis.keys.online, cursor, 'COUNT', count);
    return { cursor: next, userIds };
  }
}
