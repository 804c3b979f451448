import { loadConfig } from '../config/load-config.js';
import { AppError } from '../common/error-codes.js';
import { type ClaimResult, SessionStore, type SessionRules } from '../engine/session.store.js';
import type { SocketServerRef } from '../socket/socket-server.ref.js';
import { SessionService } from './session.service.js';

/** Records what the service asks of the Socket.IO server. */
class FakeIo {
  readonly calls: Array<{ op: 'emit' | 'disconnect'; rooms: string[]; except: string[]; event?: string; payload?: unknown }> = [];

  private operator(rooms: string[], except: string[] = []) {
    return {
      except: (room: string) => this.operator(rooms, [...except, room]),
      emit: (event: string, payload: unknown) => this.calls.push({ op: 'emit', rooms, except, event, payload }),
      disconnectSockets: () => this.calls.push({ op: 'disconnect', rooms, except }),
    };
  }

  to(rooms: string | string[]) {
    return this.operator(Array.isArray(rooms) ? rooms : [rooms]);
  }

  in(rooms: string | string[]) {
    return this.to(rooms);
  }
}

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

function setup(env: Record<string, string> = {}) {
  const io = new FakeIo();
  const store = new FakeStore();
  const ref = { io } as unknown as SocketServerRef;
  const sut = new SessionService(loadConfig({ JWT_SECRET: 'session-spec-secret-0123', ...env }), store, ref);
  return { sut, io, store };
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
      store.next = { accepted: true, revoked: ['old'] };
      await sut.admit('u', 'new');
      expect(io.calls).toEqual([
        { op: 'emit', rooms: ['session:u:old'], except: [], event: 'auth:logout', payload: { reason } },
        { op: 'disconnect', rooms: ['session:u:old'], except: [] },
      ]);
    });

    it('touches no socket when nothing was superseded', async () => {
      const { sut, io } = setup();
      await sut.admit('u', 's');
      expect(io.calls).toEqual([]);
    });
  });

  describe('forceLogout', () => {
    it("logs out every socket of the user except the named session's", async () => {
      const { sut, store, io } = setup();
      store.forced = ['a', 'b'];
      expect(await sut.forceLogout('u', 'keep')).toEqual({ revokedSessions: 2 });
      expect(io.calls).toEqual([
        { op: 'emit', rooms: ['user:u'], except: ['session:u:keep'], event: 'auth:logout', payload: { reason: 'force_logout' } },
        { op: 'disconnect', rooms: ['user:u'], except: ['session:u:keep'] },
      ]);
    });
  });

  describe('kick', () => {
    it('logs out every socket and revokes only when asked', async () => {
      const { sut, io } = setup();
      expect(await sut.kick('u', 'banned', false)).toEqual({ revokedSessions: 0 });
      expect(await sut.kick('u', 'banned', true)).toEqual({ revokedSessions: 1 });
      expect(io.calls.filter((c) => c.op === 'emit').map((c) => c.payload)).toEqual([{ reason: 'banned' }, { reason: 'banned' }]);
    });
  });
});
