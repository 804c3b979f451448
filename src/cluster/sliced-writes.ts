/** A turn of deferred writes takes at most this many slices (when the rest of the loop took as long). */
const FAIR_SHARE_MAX = 4;

interface Job<T> {
  targets: T[];
  /** The next target to write. */
  at: number;
  write(target: T, late: boolean): void;
}

/**
 * Writes of publications to this node's sockets, in arrival order, in slices of at most
 * `sliceMs` of one event-loop turn. A broadcast to a room of 5,000 sockets costs the loop about
 * a hundred milliseconds of socket writes; written at once, it holds up every timer, handshake,
 * HTTP request and health probe of the node for that long. Here a delivery runs at once while
 * nothing is waiting; the part of it that does not fit in the turn's slice — and every delivery
 * that arrives meanwhile, whatever its size, so the order on each socket stays that of arrival —
 * waits for the next turns (`later`: setImmediate in the app), between which the loop runs
 * everything else. Such a turn writes for as long as the rest of the loop took since the previous
 * one, from one slice to FAIR_SHARE_MAX: a node busy with other work (a reconnect storm's
 * handshakes) still gives its writes about half its time, so they do not fall behind. Small
 * deliveries (a user's sockets) never look at the clock. Same idea as TurnQueue (the intake's
 * pacing), at the granularity of one socket.
 * Pure: the clock and the scheduler are given (the unit spec drives them by hand).
 */
export class SlicedWrites<T> {
  /** Deliveries waiting, first in first out: their targets and where they stopped. */
  private readonly waiting: Job<T>[] = [];
  private armed = false;
  /** When the last turn of writes ended (the loop has done other work since). */
  private pumpedAt?: number;
  /** Start of the running turn's slice (undefined: no large delivery ran in this turn yet). */
  private sliceStart?: number;

  constructor(
    /** Time one turn spends writing (0: no slicing, everything at once). */
    private readonly sliceMs: number,
    private readonly now: () => number,
    private readonly later: (fn: () => void) => void,
    /** Writes between two looks at the clock. */
    private readonly checkEvery = 64,
  ) {}

  /** Deliveries waiting for a later turn. */
  get backlog(): number {
    return this.waiting.length;
  }

  /**
   * Calls `write` for each of `targets` (iterated now, once), after every delivery still waiting;
   * what does not fit in this turn's slice is kept, in order, for the next turns, and written with
   * `late` true.
   */
  deliver(targets: Iterable<T>, write: (target: T, late: boolean) => void): void {
    if (this.sliceMs <= 0) {
      for (const target of targets) write(target, false);
      return;
    }
    if (this.waiting.length > 0) {
      this.waiting.push({ targets: [...targets], at: 0, write });
      this.arm();
      return;
    }
    const iterator = targets[Symbol.iterator]();
    let count = 0;
    for (let step = iterator.next(); !step.done; step = iterator.next()) {
      write(step.value, false);
      if (++count % this.checkEvery === 0 && this.spent()) {
        const rest = [...{ [Symbol.iterator]: () => iterator }];
        if (rest.length > 0) this.defer({ targets: rest, at: 0, write });
        return;
      }
    }
  }

  /** Whether this turn's slice is used up (starting the slice on the first look of the turn). */
  private spent(): boolean {
    const now = this.now();
    if (this.sliceStart === undefined) {
      this.sliceStart = now;
      this.later(this.endTurn);
      return false;
    }
    return now - this.sliceStart >= this.sliceMs;
  }

  private readonly endTurn = (): void => {
    this.sliceStart = undefined;
  };

  private defer(job: Job<T>): void {
    this.waiting.push(job);
    this.arm();
  }

  private arm(): void {
    if (this.armed) return;
    this.armed = true;
    this.later(this.pump);
  }

  private readonly pump = (): void => {
    this.armed = false;
    const start = this.now();
    // A fair share: as long as the rest of the loop took since the last slice (a reconnect storm's
    // handshakes), between one and FAIR_SHARE_MAX slices, so writes keep up under load.
    const budget = Math.min(FAIR_SHARE_MAX * this.sliceMs, Math.max(this.sliceMs, this.pumpedAt === undefined ? 0 : start - this.pumpedAt));
    let count = 0;
    while (this.waiting.length > 0) {
      const job = this.waiting[0];
      while (job.at < job.targets.length) {
        job.write(job.targets[job.at++], true);
        if (++count % this.checkEvery === 0 && this.now() - start >= budget && (job.at < job.targets.length || this.waiting.length > 1)) {
          this.armed = true;
          this.pumpedAt = this.now();
          this.later(this.pump);
          return;
        }
      }
      this.waiting.shift();
    }
    this.pumpedAt = undefined;
  };
}
