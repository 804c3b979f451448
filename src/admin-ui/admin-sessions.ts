/** The Admin UI package's session store contract (its `Store`), restated so this file needs no import of it. */
export interface AdminSessionStore {
  doesSessionExist(sessionId: string): Promise<boolean>;
  saveSession(sessionId: string): void;
}

/**
 * The session ids the Admin UI hands out after a login, so that its reconnections need no password.
 * Unlike the package's default store, ids expire and their number is bounded. Per node: behind a
 * load balancer, point the UI at one node (its INTERNAL_PORT); another node asks for the password.
 */
export class AdminSessions implements AdminSessionStore {
  private readonly expiries = new Map<string, number>();

  constructor(
    private readonly ttlMs: number,
    private readonly max: number,
    private readonly now: () => number = Date.now,
  ) {}

  doesSessionExist(sessionId: string): Promise<boolean> {
    const expiry = typeof sessionId === 'string' ? this.expiries.get(sessionId) : undefined;
    if (expiry !== undefined && expiry <= this.now()) this.expiries.delete(sessionId);
    return Promise.resolve(expiry !== undefined && expiry > this.now());
  }

  saveSession(sessionId: string): void {
    this.expiries.set(sessionId, this.now() + this.ttlMs);
    // Insertion order is expiry order (one TTL for all): the oldest go first.
    for (const [id, expiry] of this.expiries) {
      if (this.expiries.size <= this.max && expiry > this.now()) break;
      this.expiries.delete(id);
    }
  }
}
