import { Injectable } from '@nestjs/common';
import type { Socket } from 'socket.io';
import { clientIp } from '../common/client-ip.js';
import { AppError, ErrorCode } from '../common/error-codes.js';
import { AppConfig } from '../config/app-config.js';
import { AttemptLimits } from '../rate-limit/attempt-limits.js';
import { MetricsService } from '../metrics/metrics.service.js';

/**
 * Abuse limits of `/internal` (docs/protocol.md §6.2), per client IP with the user handshake's budget
 * (RATE_LIMIT_MAX_CONNECTIONS per RATE_LIMIT_CONNECTION_WINDOW): handshakes, and failed
 * credential attempts (`authenticate_service`, `register_service`, handshake credentials).
 * An IP that used its failures is refused before any key is hashed, and a socket runs one
 * attempt at a time, so a burst on one socket cannot queue scrypt work for everyone.
 */
@Injectable()
export class ServiceAttempts {
  private readonly busy = new WeakSet<Socket>();

  constructor(
    private readonly config: AppConfig,
    private readonly attempts: AttemptLimits,
    private readonly metrics: MetricsService,
  ) {}

  /** Counts one `/internal` handshake of the socket's IP; RATE_LIMITED over the budget. */
  async handshake(socket: Socket): Promise<void> {
    const decision = await this.attempts.hit(`internal-handshake:${this.ipOf(socket)}`);
    if (!decision.allowed) this.refuse('Too many connection attempts', decision.retryAfterMs);
  }

  /** Runs one credential attempt; a failure (an AppError other than RATE_LIMITED) counts against the IP. */
  async attempt<T>(socket: Socket, run: () => Promise<T>): Promise<T> {
    if (this.busy.has(socket)) this.refuse('One authentication attempt at a time', 0);
    this.busy.add(socket);
    try {
      const key = `internal-failures:${this.ipOf(socket)}`;
      const budget = await this.attempts.peek(key);
      if (!budget.allowed) this.refuse('Too many failed attempts', budget.retryAfterMs);
      try {
        return await run();
      } catch (err) {
        if (err instanceof AppError) await this.attempts.hit(key);
        throw err;
      }
    } finally {
      this.busy.delete(socket);
    }
  }

  /** The socket's client IP (TRUST_PROXY applied), as the limits count it. */
  ipOf(socket: Socket): string {
    return clientIp(socket.handshake.headers, socket.handshake.address, this.config.trustProxy);
  }

  private refuse(message: string, retryAfterMs: number): never {
    this.metrics.rateLimited.inc({ scope: 'internal' });
    throw new AppError(ErrorCode.RATE_LIMITED, message, { retryAfterMs });
  }
}
