import { jest } from '@jest/globals';
import type { AppConfig } from '../config/app-config.js';
import { TypingTracker } from './typing-tracker.js';

const TIMEOUT_MS = 1000;
/** The wheel's resolution for a 1 s timeout: a quarter of it, at most 250 ms. */
const RESOLUTION_MS = 250;

describe('TypingTracker', () => {
  let sut: TypingTracker;
  let expired: string[];
  const onExpire = (label: string) => () => void expired.push(label);

  beforeEach(() => {
    jest.useFakeTimers({ now: 1_700_000_000_000 });
    expired = [];
    sut = new TypingTracker({ typingTimeoutMs: TIMEOUT_MS } as AppConfig);
  });
  afterEach(() => {
    sut.onModuleDestroy();
    jest.useRealTimers();
  });

  describe('start', () => {
    it('ends a typing state not refreshed within TYPING_TIMEOUT_MS, once, not before', () => {
      sut.start('c1', 'u1', onExpire('c1/u1'));
      jest.advanceTimersByTime(TIMEOUT_MS - 1);
      expect(expired).toEqual([]);
      jest.advanceTimersByTime(RESOLUTION_MS + 1);
      expect(expired).toEqual(['c1/u1']);
      jest.advanceTimersByTime(10 * TIMEOUT_MS);
      expect(expired).toEqual(['c1/u1']);
    });

    it('a refresh postpones the end by a full timeout and the state still ends once', () => {
      sut.start('c1', 'u1', onExpire('first'));
      jest.advanceTimersByTime(300);
      sut.start('c1', 'u1', onExpire('refreshed'));
      jest.advanceTimersByTime(TIMEOUT_MS - 1);
      expect(expired).toEqual([]);
      jest.advanceTimersByTime(RESOLUTION_MS + 1);
      expect(expired).toEqual(['refreshed']);
    });

    it('keeps users and chats apart', () => {
      sut.start('c1', 'u1', onExpire('c1/u1'));
      jest.advanceTimersByTime(500);
      sut.start('c1', 'u2', onExpire('c1/u2'));
      sut.start('c2', 'u1', onExpire('c2/u1'));
      jest.advanceTimersByTime(TIMEOUT_MS - 500 + RESOLUTION_MS);
      expect(expired).toEqual(['c1/u1']);
      jest.advanceTimersByTime(500);
      expect(expired.sort()).toEqual(['c1/u1', 'c1/u2', 'c2/u1']);
    });

    it('keys cannot collide through a separator in the ids', () => {
      sut.start('a:b', 'c', onExpire('a:b/c'));
      expect(sut.stop('a', 'b:c')).toBe(false);
      jest.advanceTimersByTime(TIMEOUT_MS + RESOLUTION_MS);
      expect(expired).toEqual(['a:b/c']);
    });
  });

  describe('stop', () => {
    it('ends a running state at once without the server-sent stop, and says it was running', () => {
      sut.start('c1', 'u1', onExpire('c1/u1'));
      expect(sut.stop('c1', 'u1')).toBe(true);
      expect(jest.getTimerCount()).toBe(0);
      jest.advanceTimersByTime(10 * TIMEOUT_MS);
      expect(expired).toEqual([]);
    });

    it('is false when nothing was running, also after the state ended by itself', () => {
      expect(sut.stop('c1', 'u1')).toBe(false);
      sut.start('c1', 'u1', onExpire('c1/u1'));
      jest.advanceTimersByTime(TIMEOUT_MS + RESOLUTION_MS);
      expect(sut.stop('c1', 'u1')).toBe(false);
    });
  });

  describe('onModuleDestroy', () => {
    it('stops the timer', () => {
      sut.start('c1', 'u1', onExpire('c1/u1'));
      sut.onModuleDestroy();
      expect(jest.getTimerCount()).toBe(0);
    });
  });
});
