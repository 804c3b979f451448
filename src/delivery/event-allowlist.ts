import { RESERVED_EVENTS } from '../common/reserved-events.js';
import type { AllowedEventName } from '../socket/events.js';

/**
 * EMIT_ALLOWED_EVENTS matching: exact names, or a prefix when the entry ends in `*`. Socket.IO's
 * reserved names never match, whatever the wildcard (`*` alone would admit `connect`).
 */
export class EventAllowlist {
  private readonly exact = new Set<string>();
  private readonly prefixes: string[] = [];

  constructor(entries: string[]) {
    for (const e of entries) {
      if (e.endsWith('*')) this.prefixes.push(e.slice(0, -1));
      else this.exact.add(e);
    }
  }

  allows(event: string): event is AllowedEventName {
    if (RESERVED_EVENTS.has(event)) return false;
    return this.exact.has(event) || this.prefixes.some((p) => event.startsWith(p));
  }
}
