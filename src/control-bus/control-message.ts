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
  | 'legacy_refused'
  | 'no_key'
  | 'decrypt_failed'
  | 'stale'
  | 'missing_field'
  | 'invalid_field';

/** A command, with the id of the sealed message it came in (each id is applied once). */
export type ParsedControl = ControlCommand & { sealedId?: string };

/** How sealed messages are checked (docs/protocol.md §5 SEALED). */
export interface SealingRules {
  /** The Redis channel the message arrived on: the additional authenticated data. */
  channelName: string;
  /** Accept field-encrypted and plain messages too (CONTROL_ALLOW_LEGACY). */
  allowLegacy: boolean;
  now: number;
}

/** A sealed message is accepted within this distance of its `ts`. */
export const SEALED_WINDOW_MS = 60_000;

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
 * Turns one pub/sub message into a command (docs/protocol.md §5). Sealed: the whole message opened with the
 * channel as additional data, `ts` within 60 s, `id` returned for the once-only claim. Legacy:
 * `encrypted` defaulting to true, encrypted string fields decrypted in either format. Fields
 * checked either way. Throws ControlMessageError.
 */
export function parseControlMessage(
  channel: ControlChannel,
  raw: string,
  codec: ControlCodec,
  allowPlaintext: boolean,
  sealing: SealingRules = { channelName: channel, allowLegacy: true, now: Date.now() },
): ParsedControl {
  if (Buffer.byteLength(raw) > MAX_MESSAGE_BYTES) throw new ControlMessageError('too_large');
  const m = parseObject(raw);
  if (m.sealed !== undefined) return openSealed(channel, m.sealed, codec, sealing);
  if (!sealing.allowLegacy) throw new ControlMessageError('legacy_refused');
  if (m.encrypted !== undefined && typeof m.encrypted !== 'boolean') throw new ControlMessageError('invalid_field', 'encrypted');
  const encrypted = m.encrypted !== false;
  if (!encrypted && !allowPlaintext) throw new ControlMessageError('plaintext_refused');
  if (encrypted && !codec.canDecrypt) throw new ControlMessageError('no_key');
  return readCommand(channel, m, new FieldReader(m, encrypted ? codec : undefined));
}

function parseObject(text: string): Raw {
  let msg: unknown;
  try {
    msg = JSON.parse(text);
  } catch {
    throw new ControlMessageError('bad_json');
  }
  if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) throw new ControlMessageError('bad_json');
  return msg as Raw;
}

function openSealed(channel: ControlChannel, sealed: unknown, codec: ControlCodec, rules: SealingRules): ParsedControl {
  if (typeof sealed !== 'string') throw new ControlMessageError('invalid_field', 'sealed');
  if (!codec.canDecrypt) throw new ControlMessageError('no_key');
  let text: string;
  try {
    text = codec.open(sealed, rules.channelName);
  } catch (err) {
    if (err instanceof CodecError) throw new ControlMessageError(err.reason === 'no_key' ? 'no_key' : 'decrypt_failed', 'sealed');
    throw err;
  }
  const m = parseObject(text);
  if (typeof m.ts !== 'number' || !Number.isFinite(m.ts)) throw new ControlMessageError('missing_field', 'ts');
  if (Math.abs(rules.now - m.ts) > SEALED_WINDOW_MS) throw new ControlMessageError('stale', 'ts');
  if (typeof m.id !== 'string' || m.id.length === 0 || m.id.length > MAX_ID) throw new ControlMessageError('missing_field', 'id');
  // Sealing authenticates the whole message: its fields are plain inside.
  return { ...readCommand(channel, m, new FieldReader(m)), sealedId: m.id };
}

function readCommand(channel: ControlChannel, m: Raw, read: FieldReader): ControlCommand {
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
