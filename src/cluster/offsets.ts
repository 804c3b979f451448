import type { Position } from '../engine/broker.js';

/**
 * The offset a client holds (Socket.IO's trailing offset argument, docs/protocol.md §4.8): the
 * position of the last publication it got, in base 36 (about ten characters).
 */
export function formatOffset(position: Position): string {
  return position.toString(36);
}

const OFFSET = /^[0-9a-z]{1,11}$/;

/** The position an offset names, if it is one of ours. */
export function parseOffset(offset: unknown): Position | undefined {
  if (typeof offset !== 'string' || !OFFSET.test(offset)) return undefined;
  const n = parseInt(offset, 36);
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}
