import type { Position } from '../engine/broker.js';

/**
 * The offset a client holds (Socket.IO's trailing offset argument, docs/protocol.md §4.8): the
 * cluster clock's epoch and position, both base 36, e.g. `lj3k0a.7f2`.
 */
const epochTags = new Map<string, string>();

function epochTag(epoch: string): string {
  let tag = epochTags.get(epoch);
  if (tag === undefined) {
    const asNumber = Number(epoch);
    tag = Number.isSafeInteger(asNumber) && asNumber >= 0 ? asNumber.toString(36) : epoch;
    if (epochTags.size > 64) epochTags.clear();
    epochTags.set(epoch, tag);
  }
  return tag;
}

export function formatOffset(position: Position): string {
  return `${epochTag(position.epoch)}.${position.n.toString(36)}`;
}

const OFFSET = /^([0-9a-z]{1,16})\.([0-9a-z]{1,11})$/;

/** The position an offset names, if it is one of ours (the epoch is returned as its tag). */
export function parseOffset(offset: unknown): { epochTag: string; n: number } | undefined {
  if (typeof offset !== 'string') return undefined;
  const match = OFFSET.exec(offset);
  if (!match) return undefined;
  const n = parseInt(match[2], 36);
  return Number.isSafeInteger(n) && n >= 0 ? { epochTag: match[1], n } : undefined;
}

/** Whether an offset's epoch tag is this epoch's. */
export function sameEpoch(tag: string, epoch: string): boolean {
  return epochTag(epoch) === tag;
}
