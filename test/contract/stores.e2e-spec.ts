import type { AppConfig } from '../../src/config/app-config.js';
import type { CallRecord, CallStore } from '../../src/engine/call.store.js';
import type { ConnectionStore } from '../../src/engine/connection.store.js';
import type { IdempotencyStore } from '../../src/engine/idempotency.store.js';
import { MemoryCallStore } from '../../src/engine/memory/memory-call.store.js';
import { MemoryConnectionStore } from '../../src/engine/memory/memory-connection.store.js';
import { MemoryIdempotencyStore } from '../../src/engine/memory/memory-idempotency.store.js';
import { MemoryMembershipStore } from '../../src/engine/memory/memory-membership.store.js';
import { MemoryNotificationStore } from '../../src/engine/memory/memory-notification.store.js';
import { MemoryPresenceStore } from '../../src/engine/memory/memory-presence.store.js';
import { MemoryRateLimitStore } from '../../src/engine/memory/memory-rate-limit.store.js';
import { MemoryServiceStore } from '../../src/engine/memory/memory-service.store.js';
import { MemorySessionStore } from '../../src/engine/memory/memory-session.store.js';
import { MemoryStatusStore } from '../../src/engine/memory/memory-status.store.js';
import type { MembershipStore } from '../../src/engine/membership.store.js';
import type { NotificationRules, NotificationStore, StoredNotification } from '../../src/engine/notification.store.js';
import type { PresenceStore } from '../../src/engine/presence.store.js';
import type { RateLimitStore } from '../../src/engine/rate-limit.store.js';
import { RedisCallStore } from '../../src/engine/redis/redis-call.store.js';
import { RedisConnectionStore } from '../../src/engine/redis/redis-connection.store.js';
import { RedisConnections } from '../../src/engine/redis/redis-connections.js';
import { RedisIdempotencyStore } from '../../src/engine/redis/redis-idempotency.store.js';
import { RedisMembershipStore } from '../../src/engine/redis/redis-membership.store.js';
import { RedisNotificationStore } from '../../src/engine/redis/redis-notification.store.js';
import { RedisPresenceStore } from '../../src/engine/redis/redis-presence.store.js';
import { RedisRateLimitStore } from '../../src/engine/redis/redis-rate-limit.store.js';
import { RedisServiceStore } from '../../src/engine/redis/redis-service.store.js';
import { RedisSessionStore } from '../../src/engine/redis/redis-session.store.js';
import { RedisStatusStore } from '../../src/engine/redis/redis-status.store.js';
import type { ServiceStore, StoredService } from '../../src/engine/service.store.js';
import type { SessionRules, SessionStore } from '../../src/engine/session.store.js';
import type { StatusStore } from '../../src/engine/status.store.js';
import { MetricsService } from '../../src/metrics/metrics.service.js';
import { redisEnv, testConfig, uniquePrefix } from '../support/app.js';

/**
 * The behaviour of every store port (src/engine/*.store.ts) that SPEC and the services rely on,
 * run against the memory and the Redis implementation alike. Time is the caller's `now`, chosen
 * by each test: nothing here waits on the wall clock.
 */
interface Engine {
  sessions: SessionStore;
  /** A second handle on the same state, as a second node would have. */
  otherNode: SessionStore;
  connections: ConnectionStore;
  rates: RateLimitStore;
  idempotency: IdempotencyStore;
  services: ServiceStore;
  membership: MembershipStore;
  notifications: NotificationStore;
  status: StatusStore;
  presence: PresenceStore;
  calls: CallStore;
  close(): Promise<void>;
}

async function redisEngine(): Promise<Engine> {
  const config: AppConfig = testConfig(redisEnv(uniquePrefix('contract')));
  const a = new RedisConnections(config, new MetricsService());
  const b = new RedisConnections(config, new MetricsService());
  await Promise.all([a.connect(5000), b.connect(5000)]);
  return {
    sessions: new RedisSessionStore(a),
    otherNode: new RedisSessionStore(b),
    connections: new RedisConnectionStore(a),
    rates: new RedisRateLimitStore(a),
    idempotency: new RedisIdempotencyStore(a),
    services: new RedisServiceStore(a),
    membership: new RedisMembershipStore(a),
    notifications: new RedisNotificationStore(a),
    status: new RedisStatusStore(a),
    presence: new RedisPresenceStore(a),
    calls: new RedisCallStore(a),
    close: async () => {
      await Promise.all([a.onApplicationShutdown(), b.onApplicationShutdown()]);
    },
  };
}

async function memoryEngine(): Promise<Engine> {
  const sessions = new MemorySessionStore();
  return {
    sessions,
    otherNode: sessions,
    connections: new MemoryConnectionStore(),
    rates: new MemoryRateLimitStore(),
    idempotency: new MemoryIdempotencyStore(),
    services: new MemoryServiceStore(),
    membership: new MemoryMembershipStore(),
    notifications: new MemoryNotificationStore(),
    status: new MemoryStatusStore(),
    presence: new MemoryPresenceStore(),
    calls: new MemoryCallStore(),
    close: async () => undefined,
  };
}

/** An instant on the callers' clock; each test moves forward from it as it needs. */
const T0 = Date.now();
const single = (now = T0): SessionRules => ({ policy: 'single', maxPerUser: 10, revokeTtlMs: 60_000, now });
const multi = (max: number, now = T0): SessionRules => ({ policy: 'multi', maxPerUser: max, revokeTtlMs: 60_000, now });
let n = 0;
const freshUser = () => `user-${Date.now()}-${++n}`;

describe.each([
  ['memory', memoryEngine],
  ['redis', redisEngine],
])('store contract (%s)', (_name, make) => {
  let sut: Engine;

  beforeAll(async () => {
    sut = await make();
  });
  afterAll(async () => {
    await sut.close();
  });

  describe('SessionStore (single policy)', () => {
    it('accepts a first session and the same session again', async () => {
      const u = freshUser();
      expect(await sut.sessions.claim(u, 's1', single())).toEqual({ accepted: true, revoked: [] });
      expect(await sut.sessions.claim(u, 's1', single())).toEqual({ accepted: true, revoked: [] });
      expect(await sut.sessions.liveSessions(u, single())).toEqual(['s1']);
    });

    it('replaces the active session and refuses the replaced one (no ping-pong)', async () => {
      const u = freshUser();
      await sut.sessions.claim(u, 's1', single());
      expect(await sut.sessions.claim(u, 's2', single())).toEqual({ accepted: true, revoked: ['s1'] });
      expect(await sut.sessions.isRevoked(u, 's1', T0)).toBe(true);
      expect(await sut.sessions.claim(u, 's1', single())).toEqual({ accepted: false });
      expect(await sut.sessions.liveSessions(u, single())).toEqual(['s2']);
    });

    it('ends two racing sessions with exactly one live and the other revoked', async () => {
      for (let i = 0; i < 25; i++) {
        const u = freshUser();
        const [a, b] = await Promise.all([sut.sessions.claim(u, 'A', single()), sut.otherNode.claim(u, 'B', single())]);
        expect(a.accepted || b.accepted).toBe(true);
        const live = await sut.sessions.liveSessions(u, single());
        expect(live).toHaveLength(1);
        const loser = live[0] === 'A' ? 'B' : 'A';
        expect(await sut.otherNode.isRevoked(u, loser, T0)).toBe(true);
      }
    });

    it('forceActive revokes every other session and un-revokes the named one', async () => {
      const u = freshUser();
      await sut.sessions.claim(u, 's1', single());
      await sut.sessions.claim(u, 's2', single());
      expect(await sut.sessions.forceActive(u, 's1', single())).toEqual(['s2']);
      expect(await sut.sessions.isRevoked(u, 's1', T0)).toBe(false);
      expect(await sut.sessions.isRevoked(u, 's2', T0)).toBe(true);
      expect(await sut.sessions.claim(u, 's1', single())).toEqual({ accepted: true, revoked: [] });
    });

    it('revokeLive revokes the live session but a new session may connect', async () => {
      const u = freshUser();
      await sut.sessions.claim(u, 's1', single());
      expect(await sut.sessions.revokeLive(u, single())).toEqual(['s1']);
      expect(await sut.sessions.claim(u, 's1', single())).toEqual({ accepted: false });
      expect(await sut.sessions.claim(u, 's3', single())).toEqual({ accepted: true, revoked: [] });
    });

    it("forgets a revocation exactly revokeTtlMs after it, by the caller's clock", async () => {
      const u = freshUser();
      const at = (now: number): SessionRules => ({ ...single(now), revokeTtlMs: 50 });
      await sut.sessions.claim(u, 's1', at(T0));
      await sut.sessions.claim(u, 's2', at(T0 + 10));
      expect(await sut.sessions.isRevoked(u, 's1', T0 + 59)).toBe(true);
      expect(await sut.sessions.claim(u, 's1', at(T0 + 59))).toEqual({ accepted: false });
      expect(await sut.sessions.isRevoked(u, 's1', T0 + 60)).toBe(false);
      // s2 was last seen at T0 + 10: by T0 + 60 it has lapsed too, so s1 supersedes nobody.
      expect(await sut.sessions.claim(u, 's1', at(T0 + 60))).toEqual({ accepted: true, revoked: [] });
    });

    it("revokes at the caller's instant: each revocation lasts revokeTtlMs from when it was made", async () => {
      const u = freshUser();
      const at = (now: number): SessionRules => ({ ...single(now), revokeTtlMs: 10_000 });
      await sut.sessions.claim(u, 's1', at(T0));
      await sut.sessions.claim(u, 's2', at(T0 + 5000));
      expect(await sut.sessions.isRevoked(u, 's1', T0 + 14_999)).toBe(true);
      expect(await sut.sessions.isRevoked(u, 's1', T0 + 15_000)).toBe(false);
      expect(await sut.sessions.forceActive(u, 's3', at(T0 + 6000))).toEqual(['s2']);
      expect(await sut.sessions.isRevoked(u, 's2', T0 + 15_999)).toBe(true);
      expect(await sut.sessions.isRevoked(u, 's2', T0 + 16_000)).toBe(false);
      expect(await sut.sessions.revokeLive(u, at(T0 + 7000))).toEqual(['s3']);
      expect(await sut.sessions.isRevoked(u, 's3', T0 + 16_999)).toBe(true);
      expect(await sut.sessions.isRevoked(u, 's3', T0 + 17_000)).toBe(false);
      expect(await sut.sessions.liveSessions(u, at(T0 + 7000))).toEqual([]);
    });

    it('a live session not seen again within revokeTtlMs no longer counts as live', async () => {
      const u = freshUser();
      const at = (now: number): SessionRules => ({ ...multi(5, now), revokeTtlMs: 1000 });
      await sut.sessions.claim(u, 'old', at(T0));
      await sut.sessions.claim(u, 'new', at(T0 + 500));
      expect((await sut.sessions.liveSessions(u, at(T0 + 999))).sort()).toEqual(['new', 'old']);
      expect(await sut.sessions.liveSessions(u, at(T0 + 1000))).toEqual(['new']);
      // Lapsed, not revoked: it may connect again.
      expect(await sut.sessions.isRevoked(u, 'old', T0 + 1000)).toBe(false);
      expect(await sut.sessions.claim(u, 'old', at(T0 + 1000))).toEqual({ accepted: true, revoked: [] });
    });
  });

  describe('SessionStore (multi policy)', () => {
    it('keeps sessions up to the limit and revokes the oldest beyond it', async () => {
      const u = freshUser();
      expect((await sut.sessions.claim(u, 'a', multi(2, T0))).accepted).toBe(true);
      expect(await sut.sessions.claim(u, 'b', multi(2, T0 + 1))).toEqual({ accepted: true, revoked: [] });
      expect(await sut.sessions.claim(u, 'c', multi(2, T0 + 2))).toEqual({ accepted: true, revoked: ['a'] });
      expect((await sut.sessions.liveSessions(u, multi(2, T0 + 2))).sort()).toEqual(['b', 'c']);
      expect(await sut.sessions.claim(u, 'a', multi(2, T0 + 3))).toEqual({ accepted: false });
    });

    it('orders sessions by their last connect: a reconnect makes a session the newest', async () => {
      const u = freshUser();
      await sut.sessions.claim(u, 'a', multi(2, T0));
      await sut.sessions.claim(u, 'b', multi(2, T0 + 1));
      await sut.sessions.claim(u, 'a', multi(2, T0 + 2));
      expect(await sut.sessions.claim(u, 'c', multi(2, T0 + 3))).toEqual({ accepted: true, revoked: ['b'] });
    });
  });

  describe('RateLimitStore', () => {
    it('allows up to the limit in the window, then refuses until the oldest hit leaves it', async () => {
      const key = `rl-${freshUser()}`;
      for (let i = 0; i < 3; i++) expect(await sut.rates.hit(key, 3, 1000, T0 + i * 100)).toEqual({ allowed: true, retryAfterMs: 0 });
      expect(await sut.rates.hit(key, 3, 1000, T0 + 250)).toEqual({ allowed: false, retryAfterMs: 750 });
      expect(await sut.rates.hit(key, 3, 1000, T0 + 999)).toEqual({ allowed: false, retryAfterMs: 1 });
    });

    it('slides exactly: a hit stops counting once it is windowMs old, by the caller\'s clock', async () => {
      const key = `rl-${freshUser()}`;
      expect((await sut.rates.hit(key, 2, 60, T0)).allowed).toBe(true);
      expect((await sut.rates.hit(key, 2, 60, T0 + 30)).allowed).toBe(true);
      expect(await sut.rates.hit(key, 2, 60, T0 + 59)).toEqual({ allowed: false, retryAfterMs: 1 });
      expect(await sut.rates.peek(key, 2, 60, T0 + 59)).toEqual({ allowed: false, retryAfterMs: 1 });
      expect(await sut.rates.peek(key, 2, 60, T0 + 60)).toEqual({ allowed: true, retryAfterMs: 0 });
      expect((await sut.rates.hit(key, 2, 60, T0 + 60)).allowed).toBe(true);
      // Now the hits of T0 + 30 and T0 + 60 count: room again at T0 + 90.
      expect(await sut.rates.hit(key, 2, 60, T0 + 61)).toEqual({ allowed: false, retryAfterMs: 29 });
      expect((await sut.rates.hit(key, 2, 60, T0 + 90)).allowed).toBe(true);
    });

    it('forgets a whole window once it lies in the past', async () => {
      const key = `rl-${freshUser()}`;
      for (let i = 0; i < 3; i++) await sut.rates.hit(key, 3, 1000, T0);
      expect((await sut.rates.hit(key, 3, 1000, T0 + 999)).allowed).toBe(false);
      for (let i = 0; i < 3; i++) expect((await sut.rates.hit(key, 3, 1000, T0 + 60_000)).allowed).toBe(true);
      expect(await sut.rates.hit(key, 3, 1000, T0 + 60_001)).toEqual({ allowed: false, retryAfterMs: 999 });
    });

    it('keeps separate windows per key', async () => {
      const [a, b] = [`rl-${freshUser()}`, `rl-${freshUser()}`];
      expect((await sut.rates.hit(a, 1, 1000, T0)).allowed).toBe(true);
      expect((await sut.rates.hit(a, 1, 1000, T0)).allowed).toBe(false);
      expect((await sut.rates.hit(b, 1, 1000, T0)).allowed).toBe(true);
    });

    it('peek tells whether one more hit is allowed, recording nothing', async () => {
      const key = `rl-${freshUser()}`;
      expect(await sut.rates.peek(key, 2, 10_000, T0)).toEqual({ allowed: true, retryAfterMs: 0 });
      await sut.rates.hit(key, 2, 10_000, T0);
      expect((await sut.rates.peek(key, 2, 10_000, T0 + 1)).allowed).toBe(true);
      await sut.rates.hit(key, 2, 10_000, T0 + 2);
      expect(await sut.rates.peek(key, 2, 10_000, T0 + 4000)).toEqual({ allowed: false, retryAfterMs: 6000 });
      // Peeking added nothing: a fresh key allows exactly its limit after many peeks.
      const other = `rl-${freshUser()}`;
      for (let i = 0; i < 5; i++) await sut.rates.peek(other, 1, 10_000, T0);
      expect((await sut.rates.hit(other, 1, 10_000, T0)).allowed).toBe(true);
      expect((await sut.rates.hit(other, 1, 10_000, T0)).allowed).toBe(false);
    });

    it('counts concurrent hits atomically', async () => {
      const key = `rl-${freshUser()}`;
      const results = await Promise.all(Array.from({ length: 20 }, () => sut.rates.hit(key, 7, 10_000, T0)));
      expect(results.filter((r) => r.allowed)).toHaveLength(7);
    });
  });

  describe('IdempotencyStore', () => {
    it('lets the first claim through and returns the stored result afterwards', async () => {
      const key = `idem-${freshUser()}`;
      expect(await sut.idempotency.claim(key, 10_000, T0)).toEqual({ first: true });
      expect(await sut.idempotency.claim(key, 10_000, T0 + 1)).toEqual({ first: false });
      await sut.idempotency.complete(key, { recipients: { total: 1 } }, 10_000, T0 + 2);
      expect(await sut.idempotency.claim(key, 10_000, T0 + 3)).toEqual({ first: false, result: { recipients: { total: 1 } } });
    });

    it('release lets a retry claim again', async () => {
      const key = `idem-${freshUser()}`;
      await sut.idempotency.claim(key, 10_000, T0);
      await sut.idempotency.release(key);
      expect(await sut.idempotency.claim(key, 10_000, T0 + 1)).toEqual({ first: true });
      expect(await sut.idempotency.claim(key, 10_000, T0 + 2)).toEqual({ first: false });
    });

    it('forgets a claim ttlMs after it, and a result ttlMs after it was stored', async () => {
      const key = `idem-${freshUser()}`;
      await sut.idempotency.claim(key, 1000, T0);
      expect(await sut.idempotency.claim(key, 1000, T0 + 999)).toEqual({ first: false });
      expect(await sut.idempotency.claim(key, 1000, T0 + 1000)).toEqual({ first: true });
      await sut.idempotency.complete(key, 'done', 1000, T0 + 1500);
      expect(await sut.idempotency.claim(key, 1000, T0 + 2499)).toEqual({ first: false, result: 'done' });
      expect(await sut.idempotency.claim(key, 1000, T0 + 2500)).toEqual({ first: true });
    });

    it('lets exactly one of concurrent claims through; keys are independent', async () => {
      const key = `idem-${freshUser()}`;
      const claims = await Promise.all(Array.from({ length: 10 }, () => sut.idempotency.claim(key, 10_000, T0)));
      expect(claims.filter((c) => c.first)).toHaveLength(1);
      expect(await sut.idempotency.claim(`${key}-other`, 10_000, T0)).toEqual({ first: true });
    });
  });

  describe('ConnectionStore', () => {
    it('reports the first and the last socket of a user, and counts users on live nodes', async () => {
      const [u1, u2, node] = [freshUser(), freshUser(), `node-${freshUser()}`];
      await sut.connections.heartbeat(node, T0, 10_000);
      expect(await sut.connections.add(u1, 'sock-1', node)).toEqual({ first: true });
      expect(await sut.connections.add(u1, 'sock-2', node)).toEqual({ first: false });
      expect(await sut.connections.socketCounts([u1, u2], T0)).toEqual(new Map([[u1, 2]]));
      expect(await sut.connections.onlineUsers([u1, u2], T0)).toEqual(new Set([u1]));
      expect(await sut.connections.remove(u1, 'sock-1', node)).toEqual({ last: false });
      expect(await sut.connections.remove(u1, 'sock-1', node)).toEqual({ last: false });
      expect(await sut.connections.remove(u1, 'sock-2', node)).toEqual({ last: true });
      expect(await sut.connections.onlineUsers([u1], T0)).toEqual(new Set());
    });

    it('counts concurrent connects as exactly one first socket', async () => {
      const [u, node] = [freshUser(), `node-${freshUser()}`];
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => sut.connections.add(u, `s${i}`, node)));
      expect(results.filter((r) => r.first)).toHaveLength(1);
      const removed = await Promise.all(Array.from({ length: 10 }, (_, i) => sut.connections.remove(u, `s${i}`, node)));
      expect(removed.filter((r) => r.last)).toHaveLength(1);
    });

    it("stops counting a dead node's sockets once its heartbeat lapses, and one sweeper removes them", async () => {
      const [u, alsoElsewhere, dead, alive] = [freshUser(), freshUser(), `node-${freshUser()}`, `node-${freshUser()}`];
      const now = T0;
      await sut.connections.heartbeat(dead, now - 2000, 1000);
      await sut.connections.heartbeat(alive, now, 60_000);
      await sut.connections.add(u, 'sock', dead);
      await sut.connections.add(alsoElsewhere, 'a', dead);
      await sut.connections.add(alsoElsewhere, 'b', alive);
      expect((await sut.connections.onlineUsers([u, alsoElsewhere], now)).has(u)).toBe(false);
      expect(await sut.connections.deadNodes(now)).toContain(dead);
      const sweeps = await Promise.all([sut.connections.sweepNode(dead), sut.connections.sweepNode(dead)]);
      expect(sweeps.flat()).toEqual([u]);
      expect(await sut.connections.deadNodes(now)).not.toContain(dead);
      expect(await sut.connections.socketCounts([u, alsoElsewhere], now)).toEqual(new Map([[alsoElsewhere, 1]]));
    });

    it('answers right at each instant in a series of counts: a node lapses on time, a new node counts at once', async () => {
      const [u, v, early, late] = [freshUser(), freshUser(), `node-${freshUser()}`, `node-${freshUser()}`];
      const t = T0;
      await sut.connections.heartbeat(early, t, 100);
      await sut.connections.add(u, 'sock', early);
      expect(await sut.connections.socketCounts([u], t + 50)).toEqual(new Map([[u, 1]]));
      // 100 ms later by the caller's clock the node's heartbeat has lapsed, although it was live a moment ago.
      expect(await sut.connections.socketCounts([u], t + 150)).toEqual(new Map());
      await sut.connections.heartbeat(late, t + 150, 60_000);
      await sut.connections.add(v, 'sock', late);
      expect(await sut.connections.socketCounts([v], t + 160)).toEqual(new Map([[v, 1]]));
      await sut.connections.remove(u, 'sock', early);
      await sut.connections.remove(v, 'sock', late);
    });

    it('pages over every user with a socket', async () => {
      const node = `node-${freshUser()}`;
      const users = Array.from({ length: 7 }, () => freshUser());
      for (const u of users) await sut.connections.add(u, 'only', node);
      const seen = new Set<string>();
      let cursor = '0';
      for (let i = 0; i < 1000; i++) {
        const page = await sut.connections.scanOnline(cursor, 3);
        page.userIds.forEach((u) => seen.add(u));
        cursor = page.cursor;
        if (cursor === '0') break;
      }
      for (const u of users) expect(seen.has(u)).toBe(true);
      for (const u of users) await sut.connections.remove(u, 'only', node);
    });
  });

  describe('MembershipStore', () => {
    it('setMembers reports who was added and removed, whatever characters the ids hold', async () => {
      const chat = `chat-${freshUser()}`;
      expect(await sut.membership.setMembers(chat, ['a'])).toEqual({ added: ['a'], removed: [] });
      // A member id that looks like a separator must not swap or split the lists.
      const change = await sut.membership.setMembers(chat, ['|']);
      expect(change).toEqual({ added: ['|'], removed: ['a'] });
      expect(await sut.membership.members(chat)).toEqual(['|']);
      expect(await sut.membership.chatsOf('|')).toContain(chat);
      expect(await sut.membership.chatsOf('a')).not.toContain(chat);
      const both = await sut.membership.setMembers(chat, ['x|y', '']);
      expect({ added: [...both.added].sort(), removed: both.removed }).toEqual({ added: ['', 'x|y'], removed: ['|'] });
    });
  });

  describe('ServiceStore', () => {
    const service = (over: Partial<StoredService> = {}): StoredService => ({
      name: `svc-${freshUser()}`,
      type: 'billing',
      keyHash: 'scrypt$16384$8$1$c2FsdA==$aGFzaA==',
      status: 'pending',
      createdAt: new Date().toISOString(),
      ...over,
    });
    /** The store is shared by the tests of one engine: limits are set relative to what it holds. */
    const stored = async () => (await sut.services.list()).length;

    it("registers a new name, then answers 'exists' for it without overwriting", async () => {
      const s = service({ description: 'first' });
      expect(await sut.services.register(s, (await stored()) + 10)).toBe('registered');
      expect(await sut.services.register({ ...s, description: 'second', keyHash: 'other' }, (await stored()) + 10)).toBe('exists');
      expect(await sut.services.get(s.name)).toEqual(s);
    });

    it("answers 'limit' once maxRegistered services are stored, and stores nothing", async () => {
      const max = (await stored()) + 1;
      expect(await sut.services.register(service(), max)).toBe('registered');
      const refused = service();
      expect(await sut.services.register(refused, max)).toBe('limit');
      expect(await sut.services.get(refused.name)).toBeUndefined();
      expect(await stored()).toBe(max);
    });

    it("prefers 'exists' over 'limit' for a taken name", async () => {
      const s = service();
      await sut.services.register(s, (await stored()) + 1);
      expect(await sut.services.register(s, 0)).toBe('exists');
    });

    it('admits exactly the limit among concurrent registrations of different names', async () => {
      const before = await stored();
      const batch = Array.from({ length: 10 }, () => service());
      const outcomes = await Promise.all(batch.map((s) => sut.services.register(s, before + 5)));
      expect(outcomes.filter((o) => o === 'registered')).toHaveLength(5);
      expect(outcomes.filter((o) => o === 'limit')).toHaveLength(5);
      expect(await stored()).toBe(before + 5);
      const names = new Set((await sut.services.list()).map((s) => s.name));
      batch.forEach((s, i) => expect(names.has(s.name)).toBe(outcomes[i] === 'registered'));
    });

    it('treats names without regard to case: register, get, setStatus and remove', async () => {
      const s = service();
      const upper = s.name.toUpperCase();
      expect(await sut.services.register(s, (await stored()) + 10)).toBe('registered');
      expect(await sut.services.register({ ...s, name: upper }, (await stored()) + 10)).toBe('exists');
      expect(await sut.services.get(upper)).toEqual(s);
      expect(await sut.services.setStatus(upper, 'active')).toEqual({ ...s, status: 'active' });
      expect(await sut.services.remove(upper)).toBe(true);
      expect(await sut.services.get(s.name)).toBeUndefined();
    });

    it('drops a pending registration past its expiresAt: gone from get and list, its name and slot free again', async () => {
      const stale = service({ expiresAt: Date.now() - 1000 });
      const max = (await stored()) + 1;
      expect(await sut.services.register(stale, max)).toBe('registered');
      expect(await sut.services.get(stale.name)).toBeUndefined();
      expect((await sut.services.list()).some((x) => x.name === stale.name)).toBe(false);
      // Its slot is free: a new registration fits under the same limit, and the name can be taken again.
      expect(await sut.services.register(service(), max)).toBe('registered');
      const again = service({ name: stale.name });
      expect(await sut.services.register(again, max + 1)).toBe('registered');
      expect(await sut.services.get(stale.name)).toEqual(again);
    });

    it('approving clears the expiry of a pending registration', async () => {
      const s = service({ expiresAt: Date.now() + 60_000 });
      await sut.services.register(s, (await stored()) + 1);
      const { expiresAt: _e, ...approved } = { ...s, status: 'active' as const };
      expect(await sut.services.setStatus(s.name, 'active')).toEqual(approved);
      expect(await sut.services.get(s.name)).toEqual(approved);
    });

    it('round-trips every field through get and list; get of an unknown name is undefined', async () => {
      const s = service({ description: 'Reports', metadata: { team: 'payments', tags: ['a', 'b'], nested: { n: 1, ok: true } } });
      await sut.services.register(s, (await stored()) + 1);
      expect(await sut.services.get(s.name)).toEqual(s);
      expect((await sut.services.list()).find((x) => x.name === s.name)).toEqual(s);
      expect(await sut.services.get(`missing-${freshUser()}`)).toBeUndefined();
    });

    it('setStatus returns the updated service, keeps every other field, and persists it', async () => {
      const s = service({ description: 'Mailer', metadata: { tags: [], regions: ['eu'], empty: {}, big: 123456789012345, ratio: 0.1, text: 'a/b \u00e9 é' } });
      await sut.services.register(s, (await stored()) + 1);
      const updated = await sut.services.setStatus(s.name, 'active');
      expect(updated).toEqual({ ...s, status: 'active' });
      expect(await sut.services.get(s.name)).toEqual({ ...s, status: 'active' });
      expect(await sut.services.setStatus(s.name, 'disabled')).toEqual({ ...s, status: 'disabled' });
    });

    it('concurrent setStatus calls leave one of the written statuses, and a racing remove is never undone', async () => {
      for (let i = 0; i < 10; i++) {
        const s = service();
        await sut.services.register(s, (await stored()) + 1);
        const [a, b] = await Promise.all([sut.services.setStatus(s.name, 'active'), sut.services.setStatus(s.name, 'disabled')]);
        expect([a?.status, b?.status]).toEqual(['active', 'disabled']);
        expect(['active', 'disabled']).toContain((await sut.services.get(s.name))?.status);
        const [updated, removed] = await Promise.all([sut.services.setStatus(s.name, 'pending'), sut.services.remove(s.name)]);
        expect(removed).toBe(true);
        if (updated) expect(updated).toEqual({ ...s, status: 'pending' });
        expect(await sut.services.get(s.name)).toBeUndefined();
      }
    });

    it('setStatus of an unknown name is undefined and creates nothing', async () => {
      const name = `missing-${freshUser()}`;
      expect(await sut.services.setStatus(name, 'active')).toBeUndefined();
      expect(await sut.services.get(name)).toBeUndefined();
    });

    it('remove is true for a stored service, then false', async () => {
      const s = service();
      await sut.services.register(s, (await stored()) + 1);
      expect(await sut.services.remove(s.name)).toBe(true);
      expect(await sut.services.get(s.name)).toBeUndefined();
      expect(await sut.services.remove(s.name)).toBe(false);
      expect(await sut.services.register(s, (await stored()) + 1)).toBe('registered');
    });
  });

  describe('MembershipStore (sets and indexes)', () => {
    it('addMembers returns only the new members and keeps the per-user index in step', async () => {
      const [chat, a, b, c] = [`chat-${freshUser()}`, freshUser(), freshUser(), freshUser()];
      expect((await sut.membership.addMembers(chat, [a, b, a])).sort()).toEqual([a, b].sort());
      expect(await sut.membership.addMembers(chat, [b, c])).toEqual([c]);
      expect((await sut.membership.members(chat)).sort()).toEqual([a, b, c].sort());
      expect(await sut.membership.chatsOf(c)).toEqual([chat]);
      expect(await sut.membership.isMember(chat, a)).toBe(true);
      expect(await sut.membership.isMember(chat, 'nobody')).toBe(false);
      expect(await sut.membership.isMember(`chat-${freshUser()}`, a)).toBe(false);
    });

    it('removeMember is true once, and drops the chat from the user index', async () => {
      const [chat, other, u] = [`chat-${freshUser()}`, `chat-${freshUser()}`, freshUser()];
      await sut.membership.setMembers(chat, [u]);
      await sut.membership.addMembers(other, [u]);
      expect((await sut.membership.chatsOf(u)).sort()).toEqual([chat, other].sort());
      expect(await sut.membership.removeMember(chat, u)).toBe(true);
      expect(await sut.membership.removeMember(chat, u)).toBe(false);
      expect(await sut.membership.isMember(chat, u)).toBe(false);
      expect(await sut.membership.members(chat)).toEqual([]);
      expect(await sut.membership.chatsOf(u)).toEqual([other]);
    });

    it('setMembers with no one empties the chat; unknown chats and users are empty', async () => {
      const [chat, u] = [`chat-${freshUser()}`, freshUser()];
      await sut.membership.setMembers(chat, [u, u]);
      expect(await sut.membership.members(chat)).toEqual([u]);
      expect(await sut.membership.setMembers(chat, [])).toEqual({ added: [], removed: [u] });
      expect(await sut.membership.members(chat)).toEqual([]);
      expect(await sut.membership.chatsOf(u)).toEqual([]);
      expect(await sut.membership.members(`chat-${freshUser()}`)).toEqual([]);
    });

    it('setFriends replaces the list (duplicates once, empty clears it)', async () => {
      const [u, f1, f2, f3] = [freshUser(), freshUser(), freshUser(), freshUser()];
      expect(await sut.membership.friendsOf(u)).toEqual([]);
      await sut.membership.setFriends(u, [f1, f2, f1]);
      expect((await sut.membership.friendsOf(u)).sort()).toEqual([f1, f2].sort());
      await sut.membership.setFriends(u, [f3]);
      expect(await sut.membership.friendsOf(u)).toEqual([f3]);
      await sut.membership.setFriends(u, []);
      expect(await sut.membership.friendsOf(u)).toEqual([]);
      // Friendship is per user as given, not made mutual by the store.
      expect(await sut.membership.friendsOf(f3)).toEqual([]);
    });
  });

  describe('NotificationStore', () => {
    const rules = (now: number, over: Partial<NotificationRules> = {}): NotificationRules => ({ maxPending: 10, ttlMs: 1000, now, ...over });
    const note = (id: string): StoredNotification => ({ id, type: 'mention', title: `t-${id}`, body: 'b', data: { n: 1, list: ['x'] }, createdAt: new Date(T0).toISOString() });

    it('lists pending notifications newest first, every field round-tripped', async () => {
      const u = freshUser();
      await sut.notifications.add(u, note('a'), rules(T0));
      await sut.notifications.add(u, note('b'), rules(T0 + 1));
      await sut.notifications.add(u, { id: 'c', type: 'plain', createdAt: 'x' }, rules(T0 + 2));
      expect(await sut.notifications.list(u, rules(T0 + 3))).toEqual([{ id: 'c', type: 'plain', createdAt: 'x' }, note('b'), note('a')]);
      expect(await sut.notifications.list(freshUser(), rules(T0))).toEqual([]);
    });

    it('keeps arrival order for notifications added at the same instant', async () => {
      const u = freshUser();
      for (const id of ['1', '2', '3']) await sut.notifications.add(u, note(id), rules(T0));
      expect((await sut.notifications.list(u, rules(T0))).map((x) => x.id)).toEqual(['3', '2', '1']);
    });

    it('keeps only the newest maxPending', async () => {
      const u = freshUser();
      for (let i = 0; i < 5; i++) await sut.notifications.add(u, note(`n${i}`), rules(T0 + i * 10, { maxPending: 3 }));
      expect((await sut.notifications.list(u, rules(T0 + 50, { maxPending: 3 }))).map((x) => x.id)).toEqual(['n4', 'n3', 'n2']);
    });

    it("forgets each notification exactly ttlMs after it was added, by the caller's clock", async () => {
      const u = freshUser();
      await sut.notifications.add(u, note('early'), rules(T0));
      await sut.notifications.add(u, note('late'), rules(T0 + 400));
      expect((await sut.notifications.list(u, rules(T0 + 999))).map((x) => x.id)).toEqual(['late', 'early']);
      expect((await sut.notifications.list(u, rules(T0 + 1000))).map((x) => x.id)).toEqual(['late']);
      expect((await sut.notifications.list(u, rules(T0 + 1399))).map((x) => x.id)).toEqual(['late']);
      expect(await sut.notifications.list(u, rules(T0 + 1400))).toEqual([]);
    });

    it('an expired notification is not pending: remove is false and clear does not count it', async () => {
      const u = freshUser();
      await sut.notifications.add(u, note('old'), rules(T0));
      await sut.notifications.add(u, note('new'), rules(T0 + 500));
      expect(await sut.notifications.remove(u, 'old', rules(T0 + 1000))).toBe(false);
      expect(await sut.notifications.clear(u, rules(T0 + 1000))).toBe(1);
      expect(await sut.notifications.list(u, rules(T0 + 1000))).toEqual([]);
    });

    it('adding an expired one again makes it pending from the new instant', async () => {
      const u = freshUser();
      await sut.notifications.add(u, note('x'), rules(T0));
      await sut.notifications.add(u, note('x'), rules(T0 + 5000));
      expect((await sut.notifications.list(u, rules(T0 + 5999))).map((x) => x.id)).toEqual(['x']);
      expect(await sut.notifications.list(u, rules(T0 + 6000))).toEqual([]);
    });

    it('re-adding a pending id replaces it and makes it the newest', async () => {
      const u = freshUser();
      await sut.notifications.add(u, note('a'), rules(T0));
      await sut.notifications.add(u, note('b'), rules(T0 + 1));
      await sut.notifications.add(u, { ...note('a'), title: 'again' }, rules(T0 + 2));
      expect(await sut.notifications.list(u, rules(T0 + 3))).toEqual([{ ...note('a'), title: 'again' }, note('b')]);
    });

    it('remove is true once for a pending one and leaves the others; clear returns how many were pending', async () => {
      const u = freshUser();
      for (const id of ['a', 'b', 'c']) await sut.notifications.add(u, note(id), rules(T0));
      expect(await sut.notifications.remove(u, 'b', rules(T0 + 1))).toBe(true);
      expect(await sut.notifications.remove(u, 'b', rules(T0 + 1))).toBe(false);
      expect(await sut.notifications.remove(u, 'never', rules(T0 + 1))).toBe(false);
      expect((await sut.notifications.list(u, rules(T0 + 1))).map((x) => x.id)).toEqual(['c', 'a']);
      expect(await sut.notifications.clear(u, rules(T0 + 2))).toBe(2);
      expect(await sut.notifications.clear(u, rules(T0 + 2))).toBe(0);
      expect(await sut.notifications.list(u, rules(T0 + 2))).toEqual([]);
    });
  });

  describe('StatusStore', () => {
    it('keeps the last report per service and snapshots them all', async () => {
      const [a, b] = [`svc-${freshUser()}`, `svc-${freshUser()}`];
      await sut.status.set(a, { status: 'degraded', message: 'slow', updatedAt: '2026-01-01T00:00:00.000Z' });
      await sut.status.set(b, { status: 'ok', updatedAt: '2026-01-01T00:00:01.000Z' });
      await sut.status.set(a, { status: 'ok', updatedAt: '2026-01-01T00:00:02.000Z' });
      const snap = await sut.status.snapshot();
      expect(snap[a]).toEqual({ status: 'ok', updatedAt: '2026-01-01T00:00:02.000Z' });
      expect(snap[b]).toEqual({ status: 'ok', updatedAt: '2026-01-01T00:00:01.000Z' });
      expect(snap[`svc-${freshUser()}`]).toBeUndefined();
    });

    it('a snapshot is a copy: changing it changes nothing stored', async () => {
      const a = `svc-${freshUser()}`;
      await sut.status.set(a, { status: 'ok', message: 'm', updatedAt: 'u' });
      const snap = await sut.status.snapshot();
      snap[a].status = 'changed';
      expect((await sut.status.snapshot())[a]).toEqual({ status: 'ok', message: 'm', updatedAt: 'u' });
    });
  });

  describe('PresenceStore', () => {
    it('returns only users with a stored state; status and lastSeen are kept side by side', async () => {
      const [u, v, nobody] = [freshUser(), freshUser(), freshUser()];
      await sut.presence.setStatus(u, 'busy', 'in a meeting');
      await sut.presence.setLastSeen(u, '2026-01-01T00:00:00.000Z');
      await sut.presence.setLastSeen(v, '2026-01-02T00:00:00.000Z');
      expect(await sut.presence.get([u, v, nobody])).toEqual(
        new Map([
          [u, { status: 'busy', customStatus: 'in a meeting', lastSeen: '2026-01-01T00:00:00.000Z' }],
          [v, { lastSeen: '2026-01-02T00:00:00.000Z' }],
        ]),
      );
      expect(await sut.presence.get([])).toEqual(new Map());
    });

    it('setStatus replaces status and custom status (null clears it) and keeps lastSeen', async () => {
      const u = freshUser();
      await sut.presence.setStatus(u, 'away', 'lunch');
      await sut.presence.setLastSeen(u, 'seen-1');
      await sut.presence.setStatus(u, 'online', null);
      expect((await sut.presence.get([u])).get(u)).toEqual({ status: 'online', customStatus: null, lastSeen: 'seen-1' });
      await sut.presence.setLastSeen(u, 'seen-2');
      expect((await sut.presence.get([u])).get(u)).toEqual({ status: 'online', customStatus: null, lastSeen: 'seen-2' });
    });
  });

  describe('CallStore', () => {
    const call = (over: Partial<CallRecord> = {}): CallRecord => ({
      callId: `call-${freshUser()}`,
      callerId: 'alice',
      calleeId: 'bob',
      callType: 'video',
      chatId: 'chat-1',
      state: 'ringing',
      callerSocketId: 'sock-a',
      createdAt: new Date(T0).toISOString(),
      ringDeadline: T0 + 30_000,
      ...over,
    });
    /** The calls `expireDue` claimed among `ids` (the store is shared by the tests of one engine). */
    const expiredAmong = async (now: number, ids: string[]) => (await sut.calls.expireDue(now)).filter((c) => ids.includes(c.callId));

    it('stores a call as given; an unknown call is undefined', async () => {
      const c = call();
      await sut.calls.create(c, 60_000);
      expect(await sut.calls.get(c.callId)).toEqual(c);
      expect(await sut.calls.get(`call-${freshUser()}`)).toBeUndefined();
      const noChat = call({ chatId: undefined, callType: 'audio' });
      delete noChat.chatId;
      await sut.calls.create(noChat, 60_000);
      expect(await sut.calls.get(noChat.callId)).toEqual(noChat);
    });

    it('answers a ringing call once: active with the answering socket, then not_ringing', async () => {
      const c = call();
      await sut.calls.create(c, 60_000);
      const active = { ...c, state: 'active', answerSocketId: 'sock-b' };
      expect(await sut.calls.answer(c.callId, 'sock-b')).toEqual({ answered: active });
      expect(await sut.calls.get(c.callId)).toEqual(active);
      expect(await sut.calls.answer(c.callId, 'sock-c')).toEqual({ answered: false, reason: 'not_ringing' });
      expect(await sut.calls.answer(`call-${freshUser()}`, 'sock-b')).toEqual({ answered: false, reason: 'not_found' });
    });

    it('lets exactly one of concurrent answers win', async () => {
      const c = call();
      await sut.calls.create(c, 60_000);
      const outcomes = await Promise.all(Array.from({ length: 5 }, (_, i) => sut.calls.answer(c.callId, `sock-${i}`)));
      const winners = outcomes.filter((o) => o.answered);
      expect(winners).toHaveLength(1);
      expect(outcomes.filter((o) => !o.answered && o.reason === 'not_ringing')).toHaveLength(4);
      expect((await sut.calls.get(c.callId))?.answerSocketId).toBe((winners[0].answered as CallRecord).answerSocketId);
    });

    it('end returns the call to exactly one caller and removes it', async () => {
      const c = call();
      await sut.calls.create(c, 60_000);
      const ended = await Promise.all([sut.calls.end(c.callId), sut.calls.end(c.callId), sut.calls.end(c.callId)]);
      expect(ended.filter(Boolean)).toEqual([c]);
      expect(await sut.calls.get(c.callId)).toBeUndefined();
      expect(await sut.calls.answer(c.callId, 'sock-b')).toEqual({ answered: false, reason: 'not_found' });
      expect(await sut.calls.end(c.callId)).toBeUndefined();
    });

    it("expires a ringing call exactly at its ring deadline, by the caller's clock, to one caller", async () => {
      const [soon, later] = [call({ ringDeadline: T0 + 100 }), call({ ringDeadline: T0 + 200 })];
      await sut.calls.create(soon, 60_000);
      await sut.calls.create(later, 60_000);
      const ids = [soon.callId, later.callId];
      expect(await expiredAmong(T0 + 99, ids)).toEqual([]);
      const claims = await Promise.all([expiredAmong(T0 + 100, ids), expiredAmong(T0 + 100, ids)]);
      expect(claims.flat()).toEqual([soon]);
      expect(await sut.calls.get(soon.callId)).toBeUndefined();
      expect(await sut.calls.get(later.callId)).toEqual(later);
      expect(await expiredAmong(T0 + 200, ids)).toEqual([later]);
      expect(await expiredAmong(T0 + 10_000, ids)).toEqual([]);
    });

    it('never expires an answered or ended call', async () => {
      const [answered, ended] = [call({ ringDeadline: T0 + 100 }), call({ ringDeadline: T0 + 100 })];
      await sut.calls.create(answered, 60_000);
      await sut.calls.create(ended, 60_000);
      await sut.calls.answer(answered.callId, 'sock-b');
      await sut.calls.end(ended.callId);
      expect(await expiredAmong(T0 + 1000, [answered.callId, ended.callId])).toEqual([]);
      expect((await sut.calls.get(answered.callId))?.state).toBe('active');
    });
  });
});
