/**
 * Work paced over event-loop turns: while the running turn has spent less than `budgetMs` and
 * nothing waits, work runs at once; otherwise it waits, first in first out, and a later turn
 * (`later`, setImmediate in the app) runs what fits in its budget. Between those turns the loop
 * runs its timers and reads its sockets, so a burst of requests — a backend's convoy after a
 * pause, 64 batches landing together — is spread over turns instead of stalling everything
 * else for the length of the burst. `oldestWaitMs` is the backlog signal admission reads.
 * Pure: the clocks and the scheduler are given (the unit spec drives them by hand).
 */
export class TurnQueue {
  private waiting: Array<{ at: number; work: () => void } | undefined> = [];
  private head = 0;
  private armed = false;

  constructor(
    /** 0: no pacing, everything runs at once. */
    private readonly budgetMs: number,
    /** How long the running turn has run so far. */
    private readonly turnMs: () => number,
    private readonly now: () => number,
    private readonly later: (fn: () => void) => void,
  ) {}

  /** Work waiting for a turn. */
  get length(): number {
    return this.waiting.length - this.head;
  }

  /** How long the oldest waiting work has waited (0 with none). */
  oldestWaitMs(): number {
    const first = this.waiting[this.head];
    return first === undefined ? 0 : this.now() - first.at;
  }

  /** Whether work given now would run at once (pacing off, or nothing waits and the turn has budget). */
  runsNow(): boolean {
    return this.budgetMs <= 0 || (this.length === 0 && this.turnMs() < this.budgetMs);
  }

  /** Runs `work` now or in its turn; `work` must not throw. */
  run(work: () => void): void {
    if (this.runsNow()) {
      work();
      return;
    }
    this.waiting.push({ at: this.now(), work });
    this.arm();
  }

  private arm(): void {
    if (this.armed) return;
    this.armed = true;
    this.later(this.pump);
  }

  private readonly pump = (): void => {
    this.armed = false;
    while (this.length > 0) {
      if (this.turnMs() >= this.budgetMs) {
        this.arm();
        return;
      }
      const item = this.waiting[this.head] as { work: () => void };
      this.waiting[this.head++] = undefined;
      item.work();
    }
    this.waiting = [];
    this.head = 0;
  };
}
