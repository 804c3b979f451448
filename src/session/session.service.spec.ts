import { MemoryEngineHealth } from '../engine/memory/memory-engine-health.js';
import { loadConfig } from '../config/load-config.js';
import { AppError } from '../common/error-codes.js';
import { type ClaimResult, SessionStore, type SessionRules } from '../engine/session.store.js';
import { SocketServerRef } from '../socket/socket-server.ref.js';
import type { NodeBus } from '../engine/node-bus.js';
import type { UserServer } from '../socket/events.js';
import { Rooms } from '../socket/rooms.js';
import { DEFAULT_KICK_REASON } from './dto/kick.dto.js';
import { SessionService } from './session.service.js';

/** A local socket that records what it was sent, in order. */
class FakeSocket {
  constructor(readonly id: string) {}
  connected = true;
  /** emitThenDisconnect writes through the namespace's local broadcast to this socket's id room. */
  readonly nsp = { local: { to: (_id: string) => ({ emit: (event: string, payload: unknown) => this.emit(event, payload) }) } };
  readonly calls: Array<{ op: 'emit' | 'disconnect'; event?: string; payload?: unknown }> = [];
  emit(event: string, payload: unknown) {
    this.calls.push({ op: 'emit', event, payload });
  }
  disconnect() {
    this.connected = false;
    this.calls.push({ op: 'disconnect' });
  }
}

/** This node's sockets and rooms, as the service reaches them through SocketServerRef. */
class FakeIo {
  readonly sockets = { adapter: { rooms: new Map<string, Set<string>>() }, sockets: new Map<string, FakeSocket>() };

  /** Adds a local socket in `rooms`. */
  socket(id: string, rooms: string[]): FakeSocket {
    const s = new FakeSocket(id);
    this.sockets.sockets.set(id, s);
    for (const room of rooms) {
      const members = this.sockets.adapter.rooms.get(room) ?? new Set<string>();
      members.add(id);
      this.sockets.adapter.rooms.set(room, members);
    }
    return s;
  }

  readonly local = {
    to: (id: string) => ({ emit: (event: string, payload: unknown) => this.sockets.sockets.get(id)?.emit(event, payload) }),
  };
}

const loggedOut = (reason: string) => [
  { op: 'emit', event: 'auth:logout', payload: { reason } },
  { op: 'disconnect' },
];

class FakeStore extends SessionStore {
  next: ClaimResult = { accepted: true, revoked: [] };
  forced: string[] = [];
  lastRules?: SessionRules;
  async claim(_u: string, _s: string, rules: SessionRules) {
    this.lastRules = rules;
    return this.next;
  }
  async isRevoked() {
    return false;
  }
  async forceActive() {
    return this.forced;
  }
  async revokeLive() {
    return ['live-1'];
  }
  async liveSessions() {
    return [];
  }
}

/** The node bus: records what would go to the other nodes. */
class FakeNodes {
  readonly sent: Array<[string, unknown]> = [];
  toAll(topic: string, payload: unknown) {
    this.sent.push([topic, payload]);
    return Promise.resolve();
  }
  on() {}
}

function setup(env: Record<string, string> = {}) {
  const io = new FakeIo();
  const store = new FakeStore();
  const nodes = new FakeNodes();
  // The real ref (its local room walk is what the service relies on) over the fake server.
  const ref = new SocketServerRef();
  ref.set(io as unknown as UserServer);
  const sut = new SessionService(loadConfig({ JWT_SECRET: 'session-spec-secret-0123', ...env }), store, ref, nodes as unknown as NodeBus, new MemoryEngineHealth());
  return { sut, io, store, nodes };
}

describe('SessionService', () => {
  describe('admit', () => {
    it('passes the configured policy to the store', async () => {
      const { sut, store } = setup({ SESSION_POLICY: 'multi', MAX_SESSIONS_PER_USER: '3', SESSION_REVOKE_TTL: '120' });
      await sut.admit('u', 's');
      expect(store.lastRules).toMatchObject({ policy: 'multi', maxPerUser: 3, revokeTtlMs: 120_000 });
    });

    it('refuses a revoked session with SESSION_REVOKED', async () => {
      const { sut, store } = setup();
      store.next = { accepted: false };
      await expect(sut.admit('u', 's')).rejects.toEqual(expect.objectContaining({ code: 'SESSION_REVOKED' }));
      await expect(sut.admit('u', 's')).rejects.toBeInstanceOf(AppError);
    });

    it.each([
      ['single', 'session_replaced'],
      ['multi', 'session_limit'],
    ])('logs superseded sessions out with the %s reason', async (policy, reason) => {
      const { sut, store, io } = setup({ SESSION_POLICY: policy });
      const old = io.socket('a', ['user:u', Rooms.session('u', 'old')]);
      const current = io.socket('b', ['user:u', Rooms.session('u', 'new')]);
      store.next = { accepted: true, revoked: ['old'] };
      await sut.admit('u', 'new');
      expect(old.calls).toEqual(loggedOut(reason));
      expect(current.calls).toEqual([]);
    });

    it('touches no socket when nothing was superseded', async () => {
      const { sut, io } = setup();
      const s = io.socket('a', ['user:u', Rooms.session('u', 's')]);
      await sut.admit('u', 's');
      expect(s.calls).toEqual([]);
    });
  });

  describe('forceLogout', () => {
    it("logs out every socket of the user except the named session's", async () => {
      const { sut, store, io } = setup();
      const a = io.socket('1', ['user:u', Rooms.session('u', 'a')]);
      const b = io.socket('2', ['user:u', Rooms.session('u', 'b')]);
      const keep = io.socket('3', ['user:u', Rooms.session('u', 'keep')]);
      store.forced = ['a', 'b'];
      expect(await sut.forceLogout('u', 'keep')).toEqual({ revokedSessions: 2 });
      expect(a.calls).toEqual(loggedOut('force_logout'));
      expect(b.calls).toEqual(loggedOut('force_logout'));
      expect(keep.calls).toEqual([]);
    });
  });

  describe('kick', () => {
    it('logs out every socket and revokes only when asked', async () => {
      const { sut, io } = setup();
      const first = io.socket('1', ['user:u', Rooms.session('u', 's')]);
      expect(await sut.kick('u', 'banned', false)).toEqual({ revokedSessions: 0 });
      const second = io.socket('2', ['user:u', Rooms.session('u', 's')]);
      expect(await sut.kick('u', 'banned', true)).toEqual({ revokedSessions: 1 });
      expect(first.calls).toEqual(loggedOut('banned'));
      expect(second.calls).toEqual(loggedOut('banned'));
    });

    it("defaults the reason to 'kicked' and the revocation to off, for every transport", async () => {
      const { sut, io } = setup();
      const socket = io.socket('1', ['user:u', Rooms.session('u', 's')]);
      expect(await sut.kick('u')).toEqual({ revokedSessions: 0 });
      expect(socket.calls).toEqual(loggedOut(DEFAULT_KICK_REASON));
      expect(DEFAULT_KICK_REASON).toBe('kicked');
    });
  });

  describe('logoutSessions', () => {
    it('applies the order here and sends the same order to the other nodes, whatever the engine', () => {
      const { sut, io, nodes } = setup();
      const old = io.socket('a', ['user:u', Rooms.session('u', 'old')]);
      sut.logoutSessions('u', ['old'], 'session_replaced');
      expect(old.calls).toEqual(loggedOut('session_replaced'));
      expect(nodes.sent).toEqual([['session:logout', { rooms: [Rooms.session('u', 'old')], except: [], reason: 'session_replaced' }]]);
    });
  });
});
