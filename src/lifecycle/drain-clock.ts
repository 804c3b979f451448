import { Injectable } from '@nestjs/common';

/** The drain's notion of time, a provider so that its unit spec chooses the instants. */
@Injectable()
export class DrainClock {
  now(): number {
    return Date.now();
  }

  /** Resolves after `ms`, or at once when `cut` is (or becomes) aborted. */
  sleep(ms: number, cut: AbortSignal): Promise<void> {
    if (ms <= 0 || cut.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        cut.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      cut.addEventListener('abort', done, { once: true });
    });
  }
}
