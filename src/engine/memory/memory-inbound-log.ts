import { Injectable } from '@nestjs/common';
import { InboundLog } from '../inbound-log.js';

/** The memory engine has no stream for backends: accepted events are not kept. */
@Injectable()
export class MemoryInboundLog extends InboundLog {
  async append(): Promise<void> {}
}
