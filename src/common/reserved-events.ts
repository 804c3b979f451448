/**
 * Event names Socket.IO keeps for itself: emitting one to a socket throws, so no allowlist entry
 * or wildcard may admit them (EMIT_ALLOWED_EVENTS is checked against this at start-up).
 */
export const RESERVED_EVENTS: ReadonlySet<string> = new Set(['connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener']);
