/** The span SOCKET_MAX_PACKETS is averaged over (docs/protocol.md §4.8). */
export const PACKET_BUDGET_WINDOW_MS = 5000;

const LEVEL = Symbol('packetBudget.level');
const STAMP = Symbol('packetBudget.stamp');

/** Whatever carries a budget: two numbers on the socket itself, no timer, no map entry. */
interface Budgeted {
  [LEVEL]?: number;
  [STAMP]?: number;
}

/**
 * SOCKET_MAX_PACKETS per second averaged over 5 s, as a leaky bucket: each packet adds one, the
 * level drains at the allowed rate, and a level above five seconds' worth is over budget. A
 * burst of up to that many packets passes; a sustained rate above the limit does not.
 */
export class PacketBudget {
  private readonly capacity: number;
  private readonly drainPerMs: number;

  constructor(
    perSecond: number,
    private readonly now: () => number = Date.now,
  ) {
    this.capacity = (perSecond * PACKET_BUDGET_WINDOW_MS) / 1000;
    this.drainPerMs = perSecond / 1000;
  }

  /** Counts one packet of `holder`; false once its budget is spent. */
  spend(holder: object): boolean {
    const h = holder as Budgeted;
    const t = this.now();
    const previous = h[LEVEL] ?? 0;
    const elapsed = t - (h[STAMP] ?? t);
    const level = Math.max(0, previous - elapsed * this.drainPerMs) + 1;
    h[LEVEL] = level;
    h[STAMP] = t;
    return level <= this.capacity;
  }
}
