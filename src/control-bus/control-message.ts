import type { EmitCommand } from '../delivery/emit.service.js';
import { CodecError, type ControlCodec } from './control-codec.js';

export const CONTROL_CHANNELS = ['emit', 'force-logout', 'kick'] as const;
export type ControlChannel = (typeof CONTROL_CHANNELS)[number];

export type ControlCommand =
  | { channel: 'emit'; emit: EmitCommand }
  | { channel: 'force-logout'; userId: string; sessionId: string }
  | { channel: 'kick'; userId: string; reason?: string; invalidateSession: boolean };

export type DropReason =
  | 'too_large'
  | 'bad_json'
  | 'plaintext_refused'
  | 'no_key'
  | 'decrypt_failed'
  | 'missing_field'
  | 'invalid_field';

/** Why a control message was dropped; never carries the message content. */
export class ControlMessageError extends Error {
  constructor(
    readonly reason: DropReason,
    readonly field?: string,
  ) {
    super(field ? `${reason} (${field})` : reason);
  }
}

const MAX_MESSAGE_BYTES = 1024 * 1024;
const MAX_ID = 128;

type Raw = Record<string, unknown>;

/**
 * Turns one pub/sub message into a command (SPEC §5): JSON, `encrypted` defaulting to true,
 * encrypted string fields decrypted in either format, fields checked. Throws ControlMessageError.
 */
export function parseControlMessage(
  channel: ControlChannel,
  raw: string,
  codec: ControlCodec,
  allowPlaintext: boolean,
): ControlCommand {
  if (Buffer.byteLength(raw) > MAX_MESSAGE_BYTES) throw new ControlMessageError('too_large');
  let msg: unknown;
  try {
    msg = JSON.parse(raw);
  } catch {
    throw new ControlMessageError('bad_json');
  }
  if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) throw new ControlMessageError('bad_json');
  const m = msg as Raw;
  if (m.encrypted !== undefined && typeof m.encrypted !== 'boolean') throw new ControlMessageError('invalid_field', 'encrypted');
  const encrypted = m.encrypted !== false;
  if (!encrypted && !allowPlaintext) throw new ControlMessageError('plaintext_refused');
  if (encrypted && !codec.canDecrypt) throw new ControlMessageError('no_key');
  const read = new FieldReader(m, encrypted ? codec : undefined);

  switch (channel) {
    case 'emit': {
      const userId = read.optionalId('userId') ?? read.optionalId('user_id');
      const userIds = read.optionalIdList('userIds');
      const room = read.optionalString('room', 256);
      // Checked here, not only in EmitService, so every node drops it alike (no claim, no 'duplicate').
      if (userId === undefined && userIds === undefined && room === undefined) throw new ControlMessageError('missing_field', 'userId');
      const event = read.requiredString('event', 128);
      if (/\s/.test(event)) throw new ControlMessageError('invalid_field', 'event');
      return { channel, emit: { userId, userIds, room, event, payload: read.payload('payload') } };
    }
    case 'force-logout':
      return { channel, userId: read.requiredId('userId'), sessionId: read.requiredId('sessionId') };
    case 'kick': {
      const inv = m.invalidateSession;
      if (inv !== undefined && typeof inv !== 'boolean') throw new ControlMessageError('invalid_field', 'invalidateSession');
      return {
        channel,
        userId: read.requiredId('userId'),
        reason: read.optionalString('reason', 256),
        invalidateSession: inv === true,
      };
    }
  }
}

class FieldReader {
  constructor(
    private readonly m: Raw,
    private readonly codec?: ControlCodec,
  ) {}

  private text(field: string, value: unknown): string {
    if (typeof value !== 'string') throw new ControlMessageError('invalid_field', field);
    if (!this.codec) return value;
    try {
      return this.codec.decryptField(value);
    } catch (err) {
      if (err instanceof CodecError) {
        throw new ControlMessageError(err.reason === 'bad_format' || err.reason === 'decrypt_failed' || err.reason === 'no_iv' ? 'decrypt_failed' : 'no_key', field);
      }
      throw err;
    }
  }

  optionalString(field: string, max: number): string | undefined {
    if (this.m[field] === undefined || this.m[field] === null) return undefined;
    const v = this.text(field, this.m[field]);
    if (v.length === 0 || v.length > max) throw new ControlMessageError('invalid_field', field);
    return v;
  }

  requiredString(field: string, max: number): string {
    const v = this.optionalString(field, max);
    if (v === undefined) throw new ControlMessageError('missing_field', field);
    return v;
  }

  optionalId(field: string): string | undefined {
    return this.optionalString(field, MAX_ID);
  }

  requiredId(field: string): string {
    return this.requiredString(field, MAX_ID);
  }

  optionalIdList(field: string): string[] | undefined {
    const v = this.m[field];
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v) || v.length === 0 || v.length > 10000) throw new ControlMessageError('invalid_field', field);
    return v.map((item) => {
      const id = this.text(field, item);
      if (id.length === 0 || id.length > MAX_ID) throw new ControlMessageError('invalid_field', field);
      return id;
    });
  }

  /** Plain: any JSON value. Encrypted: the encrypted JSON text of the value. */
  payload(field: string): unknown {
    const v = this.m[field];
    if (v === undefined) return undefined;
    if (!this.codec) return v;
    const text = this.text(field, v);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new ControlMessageError('invalid_field', field);
    }
  }
}
