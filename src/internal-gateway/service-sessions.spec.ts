import { jest } from '@jest/globals';
import { fakeSocket } from '../../test/support/fake-socket.js';
import type { AppConfig } from '../config/app-config.js';
import { AUTH_DEADLINE_MS, type ServiceSocket, type ServiceSocketData, ServiceSessions } from './service-sessions.js';

const EXPIRY_SEC = 60;
const IDLE_SEC = 10;
const BILLING = { name: 'billing', type: 'payments' } as Parameters<ServiceSessions['start']>[1];

describe('ServiceSessions', () => {
  let sut: ServiceSessions;

  beforeEach(() => {
    jest.useFakeTimers({ now: 1_700_000_000_000 });
    sut = new ServiceSessions({ serviceRegistration: { sessionExpirySec: EXPIRY_SEC, sessionIdleTimeoutSec: IDLE_SEC } } as AppConfig);
  });
  afterEach(() => jest.useRealTimers());

  const socket = () => fakeSocket<ServiceSocketData>({});
  const as = (s: ReturnType<typeof socket>) => s as unknown as ServiceSocket;
  const expired = (reason: 'expired' | 'idle', sessionId?: string) => [{ emit: 'session:expired', payload: { reason, sessionId } }, { disconnect: true }];

  describe('awaitAuthentication', () => {
    it('refuses a socket not authenticated within the deadline with AUTH_REQUIRED, then disconnects it', () => {
      const s = socket();
      sut.awaitAuthentication(as(s));
      jest.advanceTimersByTime(AUTH_DEADLINE_MS - 1);
      expect(s.calls).toEqual([]);
      jest.advanceTimersByTime(1);
      expect(s.calls).toEqual([{ emit: 'error', payload: { code: 'AUTH_REQUIRED', message: expect.any(String) } }, { disconnect: true }]);
    });

    it('a session started in time lifts the deadline', async () => {
      const s = socket();
      sut.awaitAuthentication(as(s));
      jest.advanceTimersByTime(AUTH_DEADLINE_MS - 1);
      await sut.start(as(s), BILLING);
      jest.advanceTimersByTime(IDLE_SEC * 1000 - 1);
      expect(s.calls).toEqual([]);
      sut.clear(as(s));
    });
  });

  describe('start', () => {
    it('returns the session info, stores the identity on the socket and joins the service room', async () => {
      const s = socket();
      const info = await sut.start(as(s), BILLING);
      expect(info).toEqual({ serviceName: 'billing', serviceType: 'payments', sessionId: expect.any(String), expiresAt: new Date(Date.now() + EXPIRY_SEC * 1000).toISOString() });
      expect(s.data.service).toEqual({ ...BILLING, sessionId: info.sessionId, expiresAt: Date.now() + EXPIRY_SEC * 1000 });
      expect([...s.rooms]).toEqual(['service:billing']);
      sut.clear(as(s));
    });

    it('ends the session at SERVICE_SESSION_EXPIRY however busy it is (reason expired)', async () => {
      const s = socket();
      const { sessionId } = await sut.start(as(s), BILLING);
      for (let t = 0; t < EXPIRY_SEC * 1000 - 1000; t += 1000) {
        jest.advanceTimersByTime(1000);
        sut.touch(as(s));
      }
      jest.advanceTimersByTime(999);
      expect(s.calls).toEqual([]);
      jest.advanceTimersByTime(1);
      expect(s.calls).toEqual(expired('expired', sessionId));
      sut.clear(as(s));
    });

    it('ends a silent session after SERVICE_SESSION_IDLE_TIMEOUT (reason idle)', async () => {
      const s = socket();
      const { sessionId } = await sut.start(as(s), BILLING);
      jest.advanceTimersByTime(IDLE_SEC * 1000 - 1);
      expect(s.calls).toEqual([]);
      jest.advanceTimersByTime(1);
      expect(s.calls).toEqual(expired('idle', sessionId));
      sut.clear(as(s));
    });
  });

  describe('touch', () => {
    it('every event keeps the session for another idle period; silence then ends it', async () => {
      const s = socket();
      const { sessionId } = await sut.start(as(s), BILLING);
      for (let i = 0; i < 5; i++) {
        jest.advanceTimersByTime(IDLE_SEC * 1000 - 1);
        sut.touch(as(s));
      }
      expect(s.calls).toEqual([]);
      jest.advanceTimersByTime(IDLE_SEC * 1000);
      expect(s.calls).toEqual(expired('idle', sessionId));
      sut.clear(as(s));
    });

    it('starts no timer for a socket without a session', () => {
      sut.touch(as(socket()));
      expect(jest.getTimerCount()).toBe(0);
    });
  });

  describe('clear', () => {
    it('cancels the deadline and both session limits', async () => {
      const waiting = socket();
      sut.awaitAuthentication(as(waiting));
      const started = socket();
      await sut.start(as(started), BILLING);
      sut.clear(as(waiting));
      sut.clear(as(started));
      expect(jest.getTimerCount()).toBe(0);
      jest.advanceTimersByTime(EXPIRY_SEC * 1000);
      expect([waiting.calls, started.calls]).toEqual([[], []]);
    });
  });
});
