import { Injectable } from '@nestjs/common';
import { AdapterSessionSync } from '../adapter-session-sync.js';

/** The in-memory adapter stores a session synchronously: it is readable at once. */
@Injectable()
export class MemoryAdapterSessionSync extends AdapterSessionSync {
  async written(): Promise<void> {}
}
