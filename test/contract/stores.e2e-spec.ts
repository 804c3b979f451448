import type { AppConfig } from '../../src/config/app-config.js';
import type { ConnectionStore } from '../../src/engine/connection.store.js';
import type { IdempotencyStore } from '../../src/engine/idempotency.store.js';
import { MemoryConnectionStore } from '../../src/engine/memory/memory-connection.store.js';
import { MemoryIdempotencyStore } from '../../src/engine/memory/memory-idempotency.store.js';
import { MemoryMembershipStore } from '../../src/engine/memory/memory-membership.store.js';
import type { MembershipStore } from '../../src/engine/membership.store.js';
import { MemoryRateLimitStore } from '../../src/engine/memory/memory-rate-limit.store.js';
import { MemoryServiceStore } from '../../src/engine/memory/memory-service.store.js';
import { MemorySessionStore } from '../../src/engine/memory/memory-session.store.js';
import type { RateLimitStore } from '../../src/engine/rate-limit.store.js';
import { RedisConnectionStore } from '../../src/engine/redis/redis-connection.store.js';
import { RedisConnections } from '../../src/engine/redis/redis-connections.js';
import { RedisIdempotencyStore } from '../../src/engine/redis/redis-idempotency.store.js';
import { RedisMembershipStore } from '../../src/engine/redis/redis-membership.store.js';
import { RedisRateLimitStore } from '../../src/engine/redis/redis-rate-limit.store.js';
import { RedisServiceStore } from '../../src/engine/redis/redis-service.store.js';
import { RedisSessionStore } from '../../src/engine/redis/redis-session.store.js';
import type { ServiceStore, StoredService } from '../../src/engine/service.store.js';
import type { SessionRules, SessionStore } from '../../src/engine/session.store.js';
import { MetricsService } from '../../src/metrics/metrics.service.js';
import { redisEnv, testConfig, uniquePrefix } from '../support/app.js';

interface Engine {
  sessions: SessionStore;
  /** A second handle on the same state, as a second node would have. */
  otherNode: SessionStore;
  connections: ConnectionStore;
  rates: RateLimitStore;
  idempotency: IdempotencyStore;
  services: ServiceStore;
  membership: MembershipStore;
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
    close: async () => undefined,
  };
}

const single = (): SessionRules => ({ policy: 'single', maxPerUser: 10, revokeTtlMs: 60_000, now: Date.now() });
const multi = (max: number): SessionRules => ({ policy: 'multi', maxPerUser: max, revokeTtlMs: 60_000, now: Date.now() });
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
      expect(await sut.sessions.isRevoked(u, 's1', Date.now())).toBe(true);
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
        expect(await sut.otherNode.isRevoked(u, loser, Date.now())).toBe(true);
      }
    });

    it('forceActive revokes every other session and un-revokes the named one', async () => {
      const u = freshUser();
      await sut.sessions.claim(u, 's1', single());
      await sut.sessions.claim(u, 's2', single());
      expect(await sut.sessions.forceActive(u, 's1', single())).toEqual(['s2']);
      expect(await sut.sessions.isRevoked(u, 's1', Date.now())).toBe(false);
      expect(await sut.sessions.isRevoked(u, 's2', Date.now())).toBe(true);
      expect(await sut.sessions.claim(u, 's1', single())).toEqual({ accepted: true, revoked: [] });
    });

    it('revokeLive revokes the live session but a new session may connect', async () => {
      const u = freshUser();
      await sut.sessions.claim(u, 's1', single());
      expect(await sut.sessions.revokeLive(u, single())).toEqual(['s1']);
      expect(await sut.sessions.claim(u, 's1', single())).toEqual({ accepted: false });
      expect(await sut.sessions.claim(u, 's3', single())).toEqual({ accepted: true, revoked: [] });
    });

    it('forgets a revocation after its TTL', async () => {
      const u = freshUser();
      const short: SessionRules = { ...single(), revokeTtlMs: 50 };
      await sut.sessions.claim(u, 's1', short);
      await sut.sessions.claim(u, 's2', short);
      await new Promise((r) => setTimeout(r, 80)); // the TTL itself is what is under test
      expect(await sut.sessions.isRevoked(u, 's1', Date.now())).toBe(false);
    });
  });

  describe('SessionStore (multi policy)', () => {
    it('keeps sessions up to the limit and revokes the oldest beyond it', async () => {
      const u = freshUser();
      expect((await sut.sessions.claim(u, 'a', multi(2))).accepted).toBe(true);
      await new Promise((r) => setTimeout(r, 3)); // distinct connect times order the sessions
      expect(await sut.sessions.claim(u, 'b', multi(2))).toEqual({ accepted: true, revoked: [] });
      await new Promise((r) => setTimeout(r, 3));
      expect(await sut.sessions.claim(u, 'c', multi(2))).toEqual({ accepted: true, revoked: ['a'] });
      expect((await sut.sessions.liveSessions(u, multi(2))).sort()).toEqual(['b', 'c']);
      expect(await sut.sessions.claim(u, 'a', multi(2))).toEqual({ accepted: false });
    });
  });

  describe('RateLimitStore', () => {
    it('allows up to the limit in the window, then refuses with retryAfterMs', async () => {
      const key = `rl-${freshUser()}`;
      for (let i = 0; i < 3; i++) expect((await sut.rates.hit(key, 3, 1000, Date.now())).allowed).toBe(true);
      const refused = await sut.rates.hit(key, 3, 1000, Date.now());
      expect(refused.allowed).toBe(false);
      expect(refused.retryAfterMs).toBeGreaterThan(0);
      expect(refused.retryAfterMs).toBeLessThanOrEqual(1000);
    });

    it('slides: hits older than the window stop counting', async () => {
      const key = `rl-${freshUser()}`;
      expect((await sut.rates.hit(key, 1, 60, Date.now())).allowed).toBe(true);
      expect((await sut.rates.hit(key, 1, 60, Date.now())).allowed).toBe(false);
      await new Promise((r) => setTimeout(r, 90)); // the window length itself is what is under test
      expect((await sut.rates.hit(key, 1, 60, Date.now())).allowed).toBe(true);
    });

    it('peek tells whether one more hit is allowed, recording nothing', async () => {
      const key = `rl-${freshUser()}`;
      expect(await sut.rates.peek(key, 2, 10_000, Date.now())).toEqual({ allowed: true, retryAfterMs: 0 });
      await sut.rates.hit(key, 2, 10_000, Date.now());
      expect((await sut.rates.peek(key, 2, 10_000, Date.now())).allowed).toBe(true);
      await sut.rates.hit(key, 2, 10_000, Date.now());
      const full = await sut.rates.peek(key, 2, 10_000, Date.now());
      expect(full.allowed).toBe(false);
      expect(full.retryAfterMs).toBeGreaterThan(0);
      expect(full.retryAfterMs).toBeLessThanOrEqual(10_000);
      // Peeking added nothing: a fresh key allows exactly its limit after many peeks.
      const other = `rl-${freshUser()}`;
      for (let i = 0; i < 5; i++) await sut.rates.peek(other, 1, 10_000, Date.now());
      expect((await sut.rates.hit(other, 1, 10_000, Date.now())).allowed).toBe(true);
    });

    it('counts concurrent hits atomically', async () => {
      const key = `rl-${freshUser()}`;
      const results = await Promise.all(Array.from({ length: 20 }, () => sut.rates.hit(key, 7, 10_000, Date.now())));
      expect(results.filter((r) => r.allowed)).toHaveLength(7);
    });
  });

  describe('IdempotencyStore', () => {
    it('lets the first claim through and returns the stored result afterwards', async () => {
      const key = `idem-${freshUser()}`;
      expect(await sut.idempotency.claim(key, 10_000)).toEqual({ first: true });
      expect(await sut.idempotency.claim(key, 10_000)).toEqual({ first: false });
      await sut.idempotency.complete(key, { recipients: { total: 1 } }, 10_000);
      expect(await sut.idempotency.claim(key, 10_000)).toEqual({ first: false, result: { recipients: { total: 1 } } });
    });

    it('release lets a retry claim again', async () => {
      const key = `idem-${freshUser()}`;
      await sut.idempotency.claim(key, 10_000);
      await sut.idempotency.release(key);
      expect(await sut.idempotency.claim(key, 10_000)).toEqual({ first: true });
    });
  });

  describe('ConnectionStore', () => {
    it('reports the first and the last socket of a user, and counts users on live nodes', async () => {
      const [u1, u2, node] = [freshUser(), freshUser(), `node-${freshUser()}`];
      await sut.connections.heartbeat(node, Date.now(), 10_000);
      expect(await sut.connections.add(u1, 'sock-1', node)).toEqual({ first: true });
      expect(await sut.connections.add(u1, 'sock-2', node)).toEqual({ first: false });
      expect(await sut.connections.socketCounts([u1, u2], Date.now())).toEqual(new Map([[u1, 2]]));
      expect(await sut.connections.onlineUsers([u1, u2], Date.now())).toEqual(new Set([u1]));
      expect(await sut.connections.remove(u1, 'sock-1', node)).toEqual({ last: false });
      expect(await sut.connections.remove(u1, 'sock-1', node)).toEqual({ last: false });
      expect(await sut.connections.remove(u1, 'sock-2', node)).toEqual({ last: true });
      expect(await sut.connections.onlineUsers([u1], Date.now())).toEqual(new Set());
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
      const now = Date.now();
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
      const t = Date.now();
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
});
