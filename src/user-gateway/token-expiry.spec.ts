import { jest } from '@jest/globals';
import { fakeSocket } from '../../test/support/fake-socket.js';
import type { UserSocket } from '../socket/events.js';
import { TokenExpiry } from './token-expiry.js';

/** Expiry checks run every quarter second. */
const RESOLUTION_MS = 250;

describe('TokenExpiry', () => {
  let sut: TokenExpiry;

  beforeEach(() => {
    jest.useFakeTimers({ now: 1_700_000_000_000 });
    sut = new TokenExpiry();
  });
  afterEach(() => {
    sut.onModuleDestroy();
    jest.useRealTimers();
  });

  const socket = (expiresAt?: number) => fakeSocket<UserSocket['data']>({ expiresAt } as UserSocket['data']);
  const as = (s: ReturnType<typeof socket>) => s as unknown as UserSocket;
  const expiredAt = (ms: number) => ({ emit: 'auth:expired', payload: { expiredAt: new Date(ms).toISOString() } });

  describe('arm', () => {
    it('emits auth:expired { expiredAt } and then disconnects at exp, not before', () => {
      const exp = Date.now() + 2000;
      const s = socket(exp);
      sut.arm(as(s));
      jest.advanceTimersByTime(1999);
      expect(s.calls).toEqual([]);
      jest.advanceTimersByTime(RESOLUTION_MS + 1);
      expect(s.calls).toEqual([expiredAt(exp), { disconnect: true }]);
    });

    it('expires a socket whose exp has already passed at once', () => {
      const exp = Date.now() - 1;
      const s = socket(exp);
      sut.arm(as(s));
      expect(s.calls).toEqual([expiredAt(exp), { disconnect: true }]);
      expect(jest.getTimerCount()).toBe(0);
    });

    it('a later exp (auth:refresh) replaces the earlier one: nothing happens at the old exp', () => {
      const first = Date.now() + 2000;
      const s = socket(first);
      sut.arm(as(s));
      const later = Date.now() + 3_600_000;
      s.data.expiresAt = later;
      sut.arm(as(s));
      jest.advanceTimersByTime(2000 + 10 * RESOLUTION_MS);
      expect(s.calls).toEqual([]);
      jest.advanceTimersByTime(3_600_000);
      expect(s.calls).toEqual([expiredAt(later), { disconnect: true }]);
    });

    it('an earlier exp moves the expiry earlier', () => {
      const s = socket(Date.now() + 3_600_000);
      sut.arm(as(s));
      const sooner = Date.now() + 2000;
      s.data.expiresAt = sooner;
      sut.arm(as(s));
      jest.advanceTimersByTime(2000 + RESOLUTION_MS);
      expect(s.calls).toEqual([expiredAt(sooner), { disconnect: true }]);
    });

    it('a token without exp never expires, and cancels an earlier deadline', () => {
      const s = socket(Date.now() + 2000);
      sut.arm(as(s));
      s.data.expiresAt = undefined;
      sut.arm(as(s));
      expect(jest.getTimerCount()).toBe(0);
      jest.advanceTimersByTime(10_000);
      expect(s.calls).toEqual([]);
    });

    it('sends nothing to a socket that is already gone', () => {
      const s = socket(Date.now() + 1000);
      sut.arm(as(s));
      s.connected = false;
      jest.advanceTimersByTime(1000 + RESOLUTION_MS);
      expect(s.calls).toEqual([]);
    });
  });

  describe('clear', () => {
    it('a cleared socket does not expire', () => {
      const s = socket(Date.now() + 1000);
      sut.arm(as(s));
      sut.clear(as(s));
      jest.advanceTimersByTime(5000);
      expect(s.calls).toEqual([]);
      expect(jest.getTimerCount()).toBe(0);
    });
  });

  describe('onModuleDestroy', () => {
    it('stops the timer', () => {
      sut.arm(as(socket(Date.now() + 1000)));
      sut.onModuleDestroy();
      expect(jest.getTimerCount()).toBe(0);
    });
  });
});
