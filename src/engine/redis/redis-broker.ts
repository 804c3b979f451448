import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';
import { Rooms } from '../../socket/rooms.js';
import { Broker, type HistoryRead, type Position, type Publication, type Published, type Received } from '../broker.js';
import { KEY_SLACK_MS } from './lua-scripts.js';
import { RedisConnections } from './redis-connections.js';
import { RedisNodeChannels } from './redis-node-channels.js';

/** Publications kept per room: a socket that missed more of one room reconnects unrecovered. */
export const HISTORY_CAP = 1000;
/** Entries read per XREVRANGE while walking a room's history back to a position. */
const PAGE = 100;
/** How long a read of the live nodes is reused for the `sent`/`failed` answers. */
const ALIVE_CACHE_MS = 1000;
/** Publications merged into one script call at most (the rest go in the next). */
const MAX_MERGED = 512;
/** Script calls outstanding at once; publications made meanwhile wait for the next one. */
const MAX_IN_FLIGHT = 2;

interface Waiting {
  batch: Publication[];
  now: number;
  resolve(published: Published[]): void;
  reject(err: Error): void;
}

type Entry = [id: string, fields: string[]];

/** `P<position>:<body>`, as published and kept (lua-scripts.ts). */
export function parsePublication(message: string): Received | undefined {
  const colon = message.indexOf(':', 1);
  if (message[0] !== 'P' || colon < 0) return undefined;
  return { n: Number(message.slice(1, colon)), body: message.slice(colon + 1) };
}

/**
 * The Redis path between nodes (docs/scaling.md). Standalone Redis: one `gwPublish` script per
 * batch reads where the target users' sockets are, stamps the publications, keeps them in their
 * rooms' histories and publishes each to exactly the nodes that need it. Redis Cluster: the clock,
 * each user and each room live in different slots, so it takes one clock call, one script per
 * user or room, then the publishes; batches are applied one after the other to keep their order.
 */
@Injectable()
export class RedisBroker extends Broker {
  private readonly historyTtlMs: number;
  private clusterTail: Promise<unknown> = Promise.resolve();
  private alive?: { at: number; nodes: Promise<Set<string>> };
  /** Publications of this turn of the event loop, sent together at its end (one script call). */
  private waiting: Waiting[] = [];
  private flushScheduled = false;
  private inFlight = 0;
  /** When the last script call was sent (performance.now()), for the linger. */
  private lastFlushAt = -Infinity;

  constructor(
    private readonly config: AppConfig,
    private readonly redis: RedisConnections,
    private readonly channels: RedisNodeChannels,
  ) {
    super();
    this.historyTtlMs = config.recoveryWindowMs + KEY_SLACK_MS;
  }

  private historyKey(room: string): string {
    return this.redis.keys.history(room, Rooms.ownerOf(room) ?? Rooms.chatOf(room));
  }

  private kept(p: Publication): boolean {
    return p.kept && this.config.recoveryWindowMs > 0;
  }

  publish(batch: Publication[], now: number): Promise<Published[]> {
    if (batch.length === 0) return Promise.resolve([]);
    if (this.redis.clustered) {
      const run = this.clusterTail.then(() => this.publishOnCluster(batch, now));
      this.clusterTail = run.catch(() => undefined);
      return run;
    }
    return new Promise<Published[]>((resolve, reject) => {
      this.waiting.push({ batch, now, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.flushScheduled || this.inFlight >= MAX_IN_FLIGHT) return;
    this.flushScheduled = true;
    const wait = this.lastFlushAt + this.config.redisPublishLingerMs - performance.now();
    if (wait > 0) setTimeout(() => this.flush(), wait);
    else process.nextTick(() => this.flush());
  }

  /**
   * Sends what is waiting as one script call (up to MAX_MERGED publications), in the order it was
   * published. Calls are at least REDIS_PUBLISH_LINGER_MS apart: a publication made sooner after
   * the previous call waits out the rest of it (like Nagle's algorithm or Kafka's `linger.ms`),
   * so at 2,000 publications a second (2 ms) a call carries three or four of them, and Redis and
   * every node are woken a third as often; a publication made later than that goes at once. At most
   * MAX_IN_FLIGHT calls are outstanding: while they are, new publications wait and go together
   * in the next call.
   */
  private flush(): void {
    this.flushScheduled = false;
    if (this.waiting.length === 0) return;
    this.lastFlushAt = performance.now();
    while (this.waiting.length > 0 && this.inFlight < MAX_IN_FLIGHT) {
      // One splice per call: shift() per publication cost 6 % of an overloaded node's busy time
      // (a flood of batches queues thousands of them).
      let count = 0;
      let size = 0;
      while (count < this.waiting.length && (count === 0 || size + this.waiting[count].batch.length <= MAX_MERGED)) {
        size += this.waiting[count].batch.length;
        count++;
      }
      const group = this.waiting.splice(0, count);
      this.inFlight++;
      const merged = group.flatMap((w) => w.batch);
      this.publishStandalone(merged, group[group.length - 1].now)
        .then(
          (published) => {
            let at = 0;
            for (const w of group) {
              w.resolve(published.slice(at, at + w.batch.length));
              at += w.batch.length;
            }
          },
          (err: Error) => {
            for (const w of group) w.reject(err);
          },
        )
        .finally(() => {
          this.inFlight--;
          if (this.waiting.length > 0) this.schedule();
        });
    }
  }

  private async publishStandalone(batch: Publication[], now: number): Promise<Published[]> {
    const { keys } = this.redis;
    const keyList: string[] = [keys.clock];
    const args: Array<string | number> = [this.historyTtlMs, HISTORY_CAP, keys.nodeChannelPrefix, keys.allChannel, batch.length];
    for (const p of batch) {
      const kept = this.kept(p);
      args.push(p.body, kept ? 1 : 0);
      if (!p.users) {
        const rooms = p.rooms.length === 0 ? ['*'] : p.rooms;
        args.push(0, rooms.length);
        for (const room of rooms) keyList.push(this.historyKey(room));
        continue;
      }
      args.push(p.users.length);
      for (const { userId, rooms } of p.users) {
        args.push(rooms.length);
        keyList.push(keys.connections(userId), keys.recoverable(userId));
        for (const room of rooms) keyList.push(this.historyKey(room));
      }
    }
    const [reply, alive] = await Promise.all([
      this.redis.scriptNow('gwPublish')(keyList.length, ...keyList, ...args) as Promise<Array<string | number>>,
      this.aliveNodes(now),
    ]);
    return batch.map((p, i): Published => {
      const n = Number(reply[2 * i]);
      if (!p.users) return { n };
      const groups = String(reply[1 + 2 * i]).split(';');
      return { n, live: p.users.map((_, g) => (groups[g] ?? '').split(',').some((node) => alive.has(node))) };
    });
  }

  private async publishOnCluster(batch: Publication[], now: number): Promise<Published[]> {
    const { keys } = this.redis;
    const stamped = batch.filter((p) => this.kept(p)).length;
    const [last] = (await this.redis.script('gwClock')(keys.clock, stamped)) as [number, number];
    let n = Number(last) - stamped;
    const alive = await this.aliveNodes(now);
    const out: Published[] = [];
    for (const p of batch) {
      const kept = this.kept(p);
      const position = kept ? ++n : 0;
      const message = `P${position}:${p.body}`;
      if (!p.users) {
        const rooms = p.rooms.length === 0 ? ['*'] : p.rooms;
        if (kept) await Promise.all(rooms.map((room) => this.redis.script('gwKeep')(this.historyKey(room), message, this.historyTtlMs, HISTORY_CAP)));
        await this.channels.publish(keys.allChannel, message);
        out.push({ n: position });
        continue;
      }
      const perUser = (await Promise.all(
        p.users.map(({ userId, rooms }) => {
          const groupKeys = [keys.connections(userId), keys.recoverable(userId), ...rooms.map((room) => this.historyKey(room))];
          return this.redis.script('gwPublishGroup')(groupKeys.length, ...groupKeys, message, kept ? 1 : 0, this.historyTtlMs, HISTORY_CAP);
        }),
      )) as string[][];
      const targets = new Set(perUser.flat());
      await Promise.all([...targets].map((node) => this.channels.publish(keys.nodeChannel(node), message)));
      out.push({ n: position, live: perUser.map((nodes) => nodes.some((node) => alive.has(node))) });
    }
    return out;
  }

  /**
   * The nodes whose heartbeat has not lapsed, read at most once a second (a crashed node is
   * lapsed by the others within about two seconds of its crash; this adds at most one).
   */
  private aliveNodes(now: number): Promise<Set<string>> {
    const cached = this.alive;
    if (cached && now - cached.at < ALIVE_CACHE_MS && now >= cached.at) return cached.nodes;
    const nodes = this.redis.command.zrangebyscore(this.redis.keys.nodes, `(${now}`, '+inf').then((list) => new Set(list));
    this.alive = { at: now, nodes };
    nodes.catch(() => {
      if (this.alive?.nodes === nodes) this.alive = undefined;
    });
    return nodes;
  }

  onReceive(handler: (received: Received) => void): void {
    this.channels.onPublication(handler);
  }

  onResume(handler: () => void): void {
    this.channels.onResume(handler);
  }

  async position(): Promise<Position> {
    const [n] = (await this.redis.script('gwClock')(this.redis.keys.clock, 0)) as [number, number];
    return Number(n);
  }

  async history(rooms: readonly string[], after: Position, limit: number): Promise<HistoryRead> {
    const [last, start] = ((await this.redis.script('gwClock')(this.redis.keys.clock, 0)) as [number, number]).map(Number);
    // Before this clock's start: the publications since `after` went with the clock before it.
    if (after < start) return { ok: false, reason: 'reset' };
    if (after > last) return { ok: false, reason: 'gap' };
    if (after === last) return { ok: true, entries: [] };
    const byPosition = new Map<number, Received>();
    // Every kept publication takes one position, so no room holds more than `last - after` entries after `after`.
    const reads = await Promise.all([...new Set(rooms)].map((room) => this.roomHistory(this.historyKey(room), after, limit, last - after)));
    for (const read of reads) {
      if (!read.ok) return read;
      for (const entry of read.entries) byPosition.set(entry.n, entry);
      if (byPosition.size > limit) return { ok: false, reason: 'overflow' };
    }
    return { ok: true, entries: [...byPosition.values()].sort((a, b) => a.n - b.n) };
  }

  /**
   * Walks one room's history back, newest first, to the first entry at or before `after`. At most
   * `since` entries can be newer than `after`: the first page asks for one more than that (a
   * socket that missed little reads little), the next ones for PAGE.
   */
  private async roomHistory(key: string, after: Position, limit: number, since: number): Promise<HistoryRead> {
    const { command } = this.redis;
    const entries: Received[] = [];
    let end = '+';
    let count = Math.min(PAGE, since + 1);
    for (;;) {
      const page = (await command.xrevrange(key, end, '-', 'COUNT', count)) as Entry[];
      for (const [, fields] of page) {
        const entry = parsePublication(fields[1] ?? '');
        if (!entry) continue;
        if (entry.n <= after) return { ok: true, entries };
        if (entries.length === limit) return { ok: false, reason: 'overflow' };
        entries.push(entry);
      }
      if (page.length < count) {
        // The start of the history: nothing older was dropped unless the cap trimmed it.
        const length = await command.xlen(key);
        return length >= HISTORY_CAP ? { ok: false, reason: 'gap' } : { ok: true, entries };
      }
      end = `(${page[page.length - 1][0]}`;
      count = PAGE;
    }
  }

  async keepHistory(userId: string, ttlMs: number): Promise<void> {
    await this.redis.command.set(this.redis.keys.recoverable(userId), '1', 'PX', Math.max(1, ttlMs));
  }
}
