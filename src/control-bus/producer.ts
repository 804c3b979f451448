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
