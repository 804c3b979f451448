import { Injectable } from '@nestjs/common';

/**
 * The phases of the drain (docs/protocol.md §7), flipped once each: at SIGTERM/SIGINT readiness answers 503
 * (`shuttingDown`) while everything is still served; after SHUTDOWN_DRAIN_DELAY_MS new
 * handshakes are refused too (`refusesHandshakes`).
 */
@Injectable()
export class ShutdownState {
  private draining = false;
  private refusing = false;

  get shuttingDown(): boolean {
    return this.draining;
  }

  get refusesHandshakes(): boolean {
    return this.refusing;
  }

  begin(): void {
    this.draining = true;
  }

  refuseHandshakes(): void {
    this.draining = true;
    this.refusing = true;
  }
}
