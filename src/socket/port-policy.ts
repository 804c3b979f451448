import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';

/**
 * INTERNAL_PORT (SPEC §6.2): when set, `/internal/*` routes and the `/internal` namespace are
 * served only on that port, and nothing else is. Decided by the local port a request came in on.
 */
@Injectable()
export class PortPolicy {
  readonly split: boolean;
  private internalPort?: number;

  constructor(config: AppConfig) {
    this.split = config.internalPort !== undefined;
  }

  /** The bound internal port (INTERNAL_PORT=0 picks a free one). */
  setInternalPort(port: number): void {
    this.internalPort = port;
  }

  private viaInternal(localPort: number | undefined): boolean {
    return this.internalPort !== undefined && localPort === this.internalPort;
  }

  allowsInternal(localPort: number | undefined): boolean {
    return !this.split || this.viaInternal(localPort);
  }

  allowsPublic(localPort: number | undefined): boolean {
    return !this.split || !this.viaInternal(localPort);
  }
}
