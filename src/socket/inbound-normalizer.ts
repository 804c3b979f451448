/**
 * The original systems' spellings of client events (docs/protocol.md §9), accepted in this one place:
 * old event names are renamed, a bare id string stands for `{ id }`, and events whose payload
 * fields are all optional (or that take none) accept no payload at all. Everything else passes
 * through untouched, so validation still sees exactly what the client sent.
 */

export type InboundNamespace = '/' | '/internal';

interface InboundTable {
  /** Old event name → the event it stands for. */
  aliases: ReadonlyMap<string, string>;
  /** Events whose payload is `{ id }`: a bare id string is wrapped. */
  idPayload: ReadonlySet<string>;
  /** Events whose payload fields are all optional: a missing (or null) payload becomes `{}`. */
  optionalPayload: ReadonlySet<string>;
}

const TABLES: Readonly<Record<InboundNamespace, InboundTable>> = {
  '/': {
    aliases: new Map([
      // Lettera
      ['user:typing', 'message:typing'],
      ['user:stop-typing', 'message:stop-typing'],
    ]),
    // MediaNest: emit('notification:read', notificationId)
    idPayload: new Set(['notification:read', 'notification:clear']),
    optionalPayload: new Set([
      'get_all_online_users',
      'get_online_users',
      'get_detailed_online_users',
      'notification:get-pending',
      'notification:clear-all',
      'subscribe:notifications',
      'subscribe:status',
      'unsubscribe:status',
      'admin:refresh-status',
    ]),
  },
  // Every `/internal` event takes at least one required field; nothing to normalize yet.
  '/internal': { aliases: new Map(), idPayload: new Set(), optionalPayload: new Set() },
};

/** The event an old name stands for (the name itself when it is not an alias). */
export function canonicalEvent(event: string, namespace: InboundNamespace = '/'): string {
  return TABLES[namespace].aliases.get(event) ?? event;
}

export interface InboundEvent {
  event: string;
  args: unknown[];
}

/**
 * Rewrites one inbound event to the gateway's own spelling. `args` are the event's arguments
 * as Socket.IO delivers them, the ack callback (if any) last; it stays last.
 */
export function normalizeInbound(event: string, args: unknown[], namespace: InboundNamespace = '/'): InboundEvent {
  const table = TABLES[namespace];
  const name = canonicalEvent(event, namespace);
  if (name === event && !table.idPayload.has(name) && !table.optionalPayload.has(name)) return { event, args };
  const hasAck = typeof args[args.length - 1] === 'function';
  const data = hasAck ? args.slice(0, -1) : args.slice();
  const ack = hasAck ? [args[args.length - 1]] : [];

  if (table.idPayload.has(name) && typeof data[0] === 'string') {
    data[0] = { id: data[0] };
  } else if (table.optionalPayload.has(name) && (data.length === 0 || data[0] === undefined || data[0] === null)) {
    data[0] = {};
  }
  return { event: name, args: [...data, ...ack] };
}
