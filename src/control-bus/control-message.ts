import { DtoValidator } from '../common/dto-validator.js';
import { AppError } from '../common/error-codes.js';
import type { FieldError } from '../common/validation.pipe.js';
import { assertExactlyOne, MAX_ID_LENGTH } from '../common/validators.js';
import { EMIT_TARGETS, parseEmitBody } from '../delivery/dto/emit.dto.js';
import type { EmitCommand } from '../delivery/emit.service.js';
import { ForceLogoutDto } from '../session/dto/force-logout.dto.js';
import { KickDto } from '../session/dto/kick.dto.js';
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
  return readCommand(channel, m, encrypted ? codec : undefined);
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
  if (typeof m.id !== 'string' || m.id.length === 0 || m.id.length > MAX_ID_LENGTH) throw new ControlMessageError('missing_field', 'id');
  // Sealing authenticates the whole message: its fields are plain inside.
  return { ...readCommand(channel, m), sealedId: m.id };
}

/** How a field travels in a legacy encrypted message: one encrypted text, a list of them, encrypted JSON text, or as is. */
type Carriage = 'text' | 'texts' | 'json' | 'plain';

/** Each channel's fields; the DTOs of POST /internal/emit, /internal/force-logout and /internal/kick validate them. */
const CHANNEL_FIELDS: { [C in ControlChannel]: Record<string, Carriage> } = {
  emit: { userId: 'text', userIds: 'texts', room: 'text', event: 'text', payload: 'json' },
  'force-logout': { userId: 'text', sessionId: 'text' },
  kick: { userId: 'text', reason: 'text', invalidateSession: 'plain' },
};
const forceLogoutDto = new DtoValidator(ForceLogoutDto);
const kickDto = new DtoValidator(KickDto);

function readCommand(channel: ControlChannel, m: Raw, codec?: ControlCodec): ControlCommand {
  // `user_id` is the seeds' spelling of an emit's userId.
  const source = channel === 'emit' && (m.userId === undefined || m.userId === null) ? { ...m, userId: m.user_id } : m;
  const fields = readFields(source, CHANNEL_FIELDS[channel], codec);
  try {
    switch (channel) {
      case 'emit': {
        const emit = parseEmitBody(fields);
        // Checked here as well as in EmitService, so every node drops it alike (no claim, no 'duplicate').
        assertExactlyOne(emit, EMIT_TARGETS);
        const { userId, userIds, room, event, payload } = emit;
        return { channel, emit: { userId, userIds, room, event, payload } };
      }
      case 'force-logout': {
        const { userId, sessionId } = forceLogoutDto.parse(fields);
        return { channel, userId, sessionId };
      }
      case 'kick': {
        const { userId, reason, invalidateSession } = kickDto.parse(fields);
        return { channel, userId, reason, invalidateSession: invalidateSession === true };
      }
    }
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    // The first field named: missing when the message lacks it, invalid otherwise; a payload too deep or wide names no field.
    const field = (err.details as FieldError[] | undefined)?.[0]?.field || 'payload';
    throw new ControlMessageError(fields[field] === undefined ? 'missing_field' : 'invalid_field', field);
  }
}

/** The channel's fields of a message, decrypted when it is encrypted; null stands for absent, except for a JSON payload. */
function readFields(m: Raw, carriage: Record<string, Carriage>, codec?: ControlCodec): Raw {
  const fields: Raw = {};
  for (const [field, how] of Object.entries(carriage)) {
    const v = m[field];
    if (v === undefined || (v === null && how !== 'json' && how !== 'plain')) continue;
    if (!codec || how === 'plain') fields[field] = v;
    else if (how === 'text') fields[field] = decrypt(codec, field, v);
    else if (how === 'texts') fields[field] = Array.isArray(v) ? v.map((item) => decrypt(codec, field, item)) : v;
    else fields[field] = decryptJson(codec, field, v);
  }
  return fields;
}

function decrypt(codec: ControlCodec, field: string, value: unknown): string {
  if (typeof value !== 'string') throw new ControlMessageError('invalid_field', field);
  try {
    return codec.decryptField(value);
  } catch (err) {
    if (err instanceof CodecError) {
      throw new ControlMessageError(err.reason === 'bad_format' || err.reason === 'decrypt_failed' || err.reason === 'no_iv' ? 'decrypt_failed' : 'no_key', field);
    }
    throw err;
  }
}

/** An encrypted payload is the encrypted JSON text of the value. */
function decryptJson(codec: ControlCodec, field: string, value: unknown): unknown {
  const text = decrypt(codec, field, value);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ControlMessageError('invalid_field', field);
  }
}
