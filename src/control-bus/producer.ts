import { randomUUID } from 'node:crypto';
import { ControlCodec, type CipherFormat } from './control-codec.js';

export { ControlCodec, CodecError } from './control-codec.js';
export type { CipherFormat, CodecSecrets } from './control-codec.js';

export interface EncryptOptions {
  secretKey: string;
  secretIv?: string;
  /** Defaults to 'gcm'; 'cbc' exists only for consumers that still expect the legacy format. */
  format?: CipherFormat;
}

/** Encrypts one string field of a control-bus message. */
export function encryptField(plain: string, options: EncryptOptions): string {
  const codec = new ControlCodec({ secretKey: options.secretKey, secretIv: options.secretIv });
  return codec.encryptField(plain, options.format ?? 'gcm');
}

/** Encrypts the JSON text of a value, e.g. the `payload` field of an emit message. */
export function encryptJson(value: unknown, options: EncryptOptions): string {
  const json: string | undefined = JSON.stringify(value);
  // JSON.stringify returns undefined for undefined, functions and symbols.
  if (json === undefined) throw new TypeError('value is not JSON-serialisable');
  return encryptField(json, options);
}

export interface SealOptions {
  secretKey: string;
  /** Unique per message; a random UUID by default. The gateway applies each id once. */
  id?: string;
  /** Milliseconds since the epoch; now by default. The gateway accepts it within 60 s. */
  ts?: number;
}

/**
 * A sealed control message (docs/protocol.md §5 SEALED), as the JSON text to publish. `channel` is the full
 * Redis channel it will be published on (e.g. `socket:control:kick`): it is authenticated with
 * the message, so the message is refused on any other channel.
 */
export function sealMessage(channel: string, message: Record<string, unknown>, options: SealOptions): string {
  const codec = new ControlCodec({ secretKey: options.secretKey });
  const { encrypted: _ignored, ...fields } = message;
  const inner = JSON.stringify({ ...fields, ts: options.ts ?? Date.now(), id: options.id ?? randomUUID() });
  return JSON.stringify({ sealed: codec.seal(inner, channel) });
}

export interface ControlMessageOptions {
  secretKey: string;
  secretIv?: string;
  /** `sealed` (default); `fields` writes the legacy form whose string fields are encrypted one by one. */
  mode?: 'sealed' | 'fields';
  /** Cipher of each field in `fields` mode (gcm by default). */
  format?: CipherFormat;
}

/**
 * A control message ready to publish on `channel`: sealed by default. The `fields` mode exists
 * for gateways that predate sealing (CONTROL_ALLOW_LEGACY must stay true for it).
 */
export function controlMessage(channel: string, message: Record<string, unknown>, options: ControlMessageOptions): string {
  if ((options.mode ?? 'sealed') === 'sealed') return sealMessage(channel, message, { secretKey: options.secretKey });
  const field = { secretKey: options.secretKey, secretIv: options.secretIv, format: options.format };
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(message)) {
    if (key === 'payload') out[key] = encryptJson(value, field);
    else if (typeof value === 'string') out[key] = encryptField(value, field);
    else if (key === 'userIds' && Array.isArray(value)) out[key] = value.map((v) => encryptField(String(v), field));
    else out[key] = value;
  }
  return JSON.stringify(out);
}
