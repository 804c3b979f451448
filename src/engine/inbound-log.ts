/** Entries kept in `{prefix}:inbound` (approximate trimming). */
export const INBOUND_MAX_LEN = 100_000;

/**
 * Accepted chat events for backends to persist (docs/protocol.md §4.4): with Redis the capped stream
 * `{prefix}:inbound` (fields `event`, `userId`, `data` as JSON); the memory engine keeps none.
 */
export abstract class InboundLog {
  abstract append(event: string, userId: string, data: unknown): Promise<void>;
}
