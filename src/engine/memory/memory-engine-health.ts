import { Injectable } from '@nestjs/common';
import { EngineHealth } from '../engine-health.js';

/** The in-process store is always reachable. */
@Injectable()
export class MemoryEngineHealth extends EngineHealth {
  readonly kind = 'memory' as const;

  async ping(): Promise<boolean> {
    return true;
  }

  available(): boolean {
    return true;
  }

  onReconnect(): void {}
}
