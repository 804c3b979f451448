import type { EmitResult } from './emit.service.js';

/** Data of /internal/emit and of the `emit` event: counts for user targets, the room otherwise. */
export interface EmitResponse {
  recipients?: { total: number; sent: number; failed: number };
  room?: string;
}

export function toEmitResponse(result: EmitResult): EmitResponse {
  if (!result.recipients) return { room: result.room };
  const { total, sent, failed } = result.recipients;
  return { recipients: { total, sent: sent.length, failed: failed.length } };
}
