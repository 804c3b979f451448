import { Injectable } from '@nestjs/common';

/** Flipped once at SIGTERM/SIGINT: readiness answers 503 and new handshakes are refused. */
@Injectable()
export class ShutdownState {
  private flag = false;

  get shuttingDown(): boolean {
    return this.flag;
  }

  begin(): void {
    this.flag = true;
  }
}
