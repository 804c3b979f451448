/**
 * The original systems' spellings of client events (docs/protocol.md §9), accepted in this one place:
 * old event names are renamed, a bare id string stands for `{ id }`, and events whose payload
 * fields are all optional (or that take none) accept no payload at all. Everything else passes
 * through untouched, so validation still sees exactly what the client sent.
 */

/** Old event name → the event it stands for. */
const ALIASES: ReadonlyMap<string, string> = new Map([
  // Lettera
  ['user:typing', 'message:typing'],
  ['user:stop-typing', 'message:stop-typing'],
]);

/** Events whose payload is `{ id }`: a bare id string is wrapped (MediaNest: emit('notification:read', notificationId)). */
const ID_PAYLOAD: ReadonlySet<string> = new Set(['notification:read', 'notification:clear']);

/** Events whose payload fields are all optional: a missing (or null) payload becomes `{}`. */
const OPTIONAL_PAYLOAD: ReadonlySet<string> = new Set([
  'get_all_online_users',
  'get_online_users',
  'get_detailed_online_users',
  'notification:get-pending',
  'notification:clear-all',
  'subscribe:notifications',
  'subscribe:status',
  'unsubscribe:status',
  'admin:refresh-status',
]);

/** The event an old name of `/` stands for (the name itself when it is not an alias). */
export function canonicalEvent(event: string): string {
  return ALIASES.get(event) ?? event;
}

export interface InboundEvent {
  event: string;
  args: unknown[];
}

/**
 * Rewrites one inbound event of `/` to the gateway's own spelling (every `/internal` event takes a
 * required field and has one name: nothing to rewrite there). `args` are the event's arguments as
 * Socket.IO delivers them, the ack callback (if any) last; it stays last.
 */
export function normalizeInbound(event: string, args: unknown[]): InboundEvent {
  const name = canonicalEvent(event);
  if (name === event && !ID_PAYLOAD.has(name) && !OPTIONAL_PAYLOAD.has(name)) return { event, args };
  const hasAck = typeof args[args.length - 1] === 'function';
  const data = hasAck ? args.slice(0, -1) : args.slice();
  const ack = hasAck ? [args[args.length - 1]] : [];

  if (ID_PAYLOAD.has(name) && typeof data[0] === 'string') {
    data[0] = { id: data[0] };
  } else if (OPTIONAL_PAYLOAD.has(name) && (data.length === 0 || data[0] === undefined || data[0] === null)) {
    data[0] = {};
  }
  return { event: name, args: [...data, ...ack] };
}
