import { jest } from '@jest/globals';
import { fakeSocket } from '../../test/support/fake-socket.js';
import type { AppConfig } from '../config/app-config.js';
import type { UserSocket } from '../socket/events.js';
import { IdleTimeout } from './idle-timeout.js';

const MAX_IDLE_MS = 1000;
/** The wheel's resolution for a 1 s limit: a quarter of it. */
const RESOLUTION_MS = 250;

describe('IdleTimeout', () => {
  let sut: IdleTimeout;

  beforeEach(() => {
    jest.useFakeTimers({ now: 1_700_000_000_000 });
    sut = new IdleTimeout({ maxIdleTimeMs: MAX_IDLE_MS } as AppConfig);
  });
  afterEach(() => {
    sut.onModuleDestroy();
    jest.useRealTimers();
  });

  const socket = () => fakeSocket<UserSocket['data']>({} as UserSocket['data']);

  describe('start', () => {
    it('disconnects a silent socket once MAX_IDLE_TIME has passed, not before', () => {
      const s = socket();
      sut.start(s as unknown as UserSocket);
      jest.advanceTimersByTime(MAX_IDLE_MS - 1);
      expect(s.calls).toEqual([]);
      jest.advanceTimersByTime(RESOLUTION_MS + 1);
      expect(s.calls).toEqual([{ disconnect: true }]);
    });

    it('stamps the connect time as the last activity', () => {
      const s = socket();
      sut.start(s as unknown as UserSocket);
      expect(s.data.activeAt).toBe(Date.now());
    });
  });

  describe('touch', () => {
    it('each event restarts the idle period; the socket goes once it falls quiet', () => {
      const s = socket();
      sut.start(s as unknown as UserSocket);
      for (let i = 0; i < 4; i++) {
        jest.advanceTimersByTime(400);
        sut.touch(s as unknown as UserSocket);
      }
      // 1.6 s after connect, 0 s after the last event.
      jest.advanceTimersByTime(MAX_IDLE_MS - 1);
      expect(s.calls).toEqual([]);
      jest.advanceTimersByTime(RESOLUTION_MS + 1);
      expect(s.calls).toEqual([{ disconnect: true }]);
    });
  });

  describe('clear', () => {
    it('a cleared socket is never disconnected and no timer is left', () => {
      const s = socket();
      sut.start(s as unknown as UserSocket);
      sut.clear(s as unknown as UserSocket);
      expect(jest.getTimerCount()).toBe(0);
      jest.advanceTimersByTime(10 * MAX_IDLE_MS);
      expect(s.calls).toEqual([]);
    });
  });

  it('leaves a socket alone that disconnected by itself', () => {
    const s = socket();
    sut.start(s as unknown as UserSocket);
    s.connected = false;
    jest.advanceTimersByTime(2 * MAX_IDLE_MS);
    expect(s.calls).toEqual([]);
  });

  it('checks many sockets on one timer', () => {
    const sockets = Array.from({ length: 100 }, socket);
    for (const s of sockets) sut.start(s as unknown as UserSocket);
    expect(jest.getTimerCount()).toBe(1);
    jest.advanceTimersByTime(MAX_IDLE_MS + RESOLUTION_MS);
    expect(sockets.every((s) => s.calls.length === 1)).toBe(true);
    expect(jest.getTimerCount()).toBe(0);
  });

  describe('onModuleDestroy', () => {
    it('stops the timer', () => {
      sut.start(socket() as unknown as UserSocket);
      sut.onModuleDestroy();
      expect(jest.getTimerCount()).toBe(0);
    });
  });
});
