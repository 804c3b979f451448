// TEMPORARY until the closed event map (src/socket/events.ts) is merged: the client's view of it.
import type { Ack } from '../common/ack.js';

export type { ClientToServerEvents, ServerToClientEvents } from '../socket/events.js';

export interface InternalServerToClientEvents {
  'session:expired': (payload: { reason: string; sessionId?: string }) => void;
  [event: string]: (...args: never[]) => void;
}

export interface InternalClientToServerEvents {
  emit: (payload: { userId?: string; userIds?: string[]; room?: string; event: string; payload?: unknown }, ack: (res: Ack<unknown>) => void) => void;
  [event: string]: (...args: never[]) => void;
}
