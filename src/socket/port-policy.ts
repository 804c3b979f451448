import type { IncomingMessage } from 'node:http';
import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';

/**
 * INTERNAL_PORT (docs/protocol.md §6.2): when set, `/internal/*` routes and the `/internal` namespace are
 * served only on that port, and nothing else is. Decided by the listener a request reached: the
 * internal one marks its requests as they arrive. Not by the request's TCP socket afterwards: a
 * Socket.IO handshake over long-polling is checked later, on another request, when the
 * handshake's connection may be closed already (its local port then reads `undefined`).
 */
@Injectable()
export class PortPolicy {
  readonly split: boolean;
  private readonly viaInternal = new WeakSet<IncomingMessage>();

  constructor(config: AppConfig) {
    this.split = config.internalPort !== undefined;
  }

  /** Called by the internal listener for every request and upgrade, before anything else sees it. */
  markInternal(req: IncomingMessage): void {
    this.viaInternal.add(req);
  }

  allowsInternal(req: IncomingMessage): boolean {
    return !this.split || this.viaInternal.has(req);
  }

  allowsPublic(req: IncomingMessage): boolean {
    return !this.split || !this.viaInternal.has(req);
  }
}
