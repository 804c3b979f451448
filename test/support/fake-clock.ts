import { jest } from '@jest/globals';

/**
 * Runs `body` on Jest's fake clock set to `now` (timers created inside it are fake too), and
 * puts the real clock back afterwards, whatever happens.
 */
export async function onFakeClock(now: number, body: (advanceTo: (t: number) => void) => Promise<void>): Promise<void> {
  jest.useFakeTimers({ now });
  try {
    await body((t) => {
      const by = t - Date.now();
      jest.setSystemTime(t);
      jest.advanceTimersByTime(Math.max(0, by));
    });
  } finally {
    jest.useRealTimers();
  }
}
