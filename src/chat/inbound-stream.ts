import { Injectable, Logger } from '@nestjs/common';
import { InboundLog } from '../engine/inbound-log.js';

/**
 * Accepted chat events go to the engine's inbound log for backends to persist with a consumer
 * group (docs/protocol.md §4.4; with Redis the capped stream `{prefix}:inbound`). A failed append is logged,
 * not fatal to the event.
 */
@Injectable()
export class InboundStream {
  private readonly logger = new Logger(InboundStream.name);

  constructor(private readonly log: InboundLog) {}

  append(event: string, userId: string, data: unknown): void {
    this.log.append(event, userId, data).catch((err: Error) => this.logger.warn({ event, reason: err.message }, 'Could not append to the inbound stream'));
  }
}
