/** A clock the wheel reads; tests pass their own. */
export type Clock = () => number;

/**
 * Deadlines of many items (idle sockets, token expiries) on one timer instead of one timer each.
 * Items sit in buckets of `resolutionMs`; one unref'd interval runs while any is scheduled and
 * visits only the buckets that came due, so no tick walks every item. An item fires once, never
 * before its deadline, at most one resolution (plus timer lag) after it.
 */
export class DeadlineWheel<T> {
  private readonly buckets = new Map<number, Set<T>>();
  private readonly slots = new Map<T, number>();
  private timer?: NodeJS.Timeout;
  /** The last bucket visited; buckets up to it have fired. */
  private visited: number;

  constructor(
    private readonly resolutionMs: number,
    private readonly onDue: (item: T) => void,
    private readonly clock: Clock = Date.now,
  ) {
    this.visited = Math.floor(clock() / resolutionMs);
  }

  get size(): number {
    return this.slots.size;
  }

  /** (Re)schedules `item` at `at` (ms since the epoch); an item has one deadline at a time. */
  schedule(item: T, at: number): void {
    this.cancel(item);
    if (!this.timer) this.visited = Math.max(this.visited, Math.floor(this.clock() / this.resolutionMs));
    const slot = Math.max(Math.ceil(at / this.resolutionMs), this.visited + 1);
    let bucket = this.buckets.get(slot);
    if (!bucket) {
      bucket = new Set();
      this.buckets.set(slot, bucket);
    }
    bucket.add(item);
    this.slots.set(item, slot);
    this.start();
  }

  cancel(item: T): void {
    const slot = this.slots.get(item);
    if (slot === undefined) return;
    this.slots.delete(item);
    const bucket = this.buckets.get(slot);
    bucket?.delete(item);
    if (bucket?.size === 0) this.buckets.delete(slot);
    if (this.slots.size === 0) this.stop();
  }

  /** Fires every bucket due by the clock's now (the interval calls it; tests may too). */
  advance(): void {
    const now = Math.floor(this.clock() / this.resolutionMs);
    // After a long stall, jump over empty slots instead of visiting each one.
    if (now - this.visited > this.buckets.size) {
      for (const slot of [...this.buckets.keys()].sort((a, b) => a - b)) {
        if (slot > now) break;
        this.fire(slot);
      }
    } else {
      for (let slot = this.visited + 1; slot <= now; slot++) this.fire(slot);
    }
    this.visited = Math.max(this.visited, now);
  }

  private fire(slot: number): void {
    // Items rescheduled from onDue land after this slot, never back into the one being fired.
    this.visited = Math.max(this.visited, slot);
    this.fireBucket(slot);
  }

  private fireBucket(slot: number): void {
    const bucket = this.buckets.get(slot);
    if (!bucket) return;
    this.buckets.delete(slot);
    for (const item of bucket) {
      // Cancelled or moved by an earlier item's onDue.
      if (this.slots.get(item) !== slot) continue;
      this.slots.delete(item);
      this.onDue(item);
    }
    if (this.slots.size === 0) this.stop();
  }

  private start(): void {
    if (this.timer) return;
    this.visited = Math.max(this.visited, Math.floor(this.clock() / this.resolutionMs));
    this.timer = setInterval(() => this.advance(), this.resolutionMs);
    this.timer.unref();
  }

  stop(): void {
    if (!this.timer) return;
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
