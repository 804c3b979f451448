import { Injectable } from '@nestjs/common';
import { canonicalEvent } from './inbound-normalizer.js';

const MESSAGE_METADATA = 'message';

/**
 * Event names that have a handler on `/`. Anything else a client sends is ignored by
 * Socket.IO; we only count it, under one label, so hostile names cannot explode metrics.
 */
@Injectable()
export class ClientEventsRegistry {
  private readonly names = new Set<string>();

  /** Reads the @SubscribeMessage names of a gateway instance. */
  registerGateway(gateway: object): void {
    const proto = Object.getPrototypeOf(gateway) as Record<string, unknown>;
    for (const key of Object.getOwnPropertyNames(proto)) {
      const fn = proto[key];
      if (typeof fn !== 'function') continue;
      const name: unknown = Reflect.getMetadata(MESSAGE_METADATA, fn);
      if (typeof name === 'string') this.names.add(name);
    }
  }

  /** True for handled names and for the seeds' aliases of them (inbound-normalizer.ts). */
  has(event: string): boolean {
    return this.names.has(event) || this.names.has(canonicalEvent(event));
  }
}
