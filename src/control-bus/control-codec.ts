import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { TextDecoder } from 'node:util';

export type CipherFormat = 'cbc' | 'gcm';
export type CodecFailure = 'no_key' | 'no_iv' | 'bad_format' | 'decrypt_failed';

export interface CodecSecrets {
  secretKey?: string;
  secretIv?: string;
}

export class CodecError extends Error {
  constructor(
    readonly reason: CodecFailure,
    message?: string,
  ) {
    super(message ?? reason);
    this.name = 'CodecError';
  }
}

const GCM_TAG_BYTES = 16;
const GCM_ENCRYPT_IV_BYTES = 16;
const SEAL_IV_BYTES = 12;
const LEGACY_HEX = /^(?:[0-9a-f]{32})+$/;
// A wrong key can still yield valid padding now and then; refusing non-UTF-8
// output turns most of that garbage into a clean decrypt_failed.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

interface GcmParts {
  iv: Buffer;
  data: Buffer;
  tag: Buffer;
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

// Buffer.from(..., 'base64') silently skips junk characters, so only accept
// input that survives a decode/encode round trip unchanged.
function strictBase64(part: string): Buffer | null {
  if (part === '') return null;
  const bytes = Buffer.from(part, 'base64');
  return bytes.toString('base64') === part ? bytes : null;
}

function parseGcm(value: string): GcmParts | null {
  const parts = value.split(':');
  if (parts.length !== 3) return null;
  const [iv, tag] = [strictBase64(parts[0]), strictBase64(parts[2])];
  // An empty plaintext encrypts to an empty middle part; that is still a valid field.
  const data = parts[1] === '' ? Buffer.alloc(0) : strictBase64(parts[1]);
  if (!iv || !data || !tag) return null;
  if ((iv.length !== 12 && iv.length !== 16) || tag.length !== GCM_TAG_BYTES) return null;
  return { iv, data, tag };
}

/**
 * Encrypts and decrypts single string fields of control-bus messages.
 * Only the derived key material is kept, never the configured secrets.
 */
export class ControlCodec {
  readonly canDecrypt: boolean;
  readonly #key: Buffer | null;
  readonly #legacyIv: Buffer | null;

  constructor(secrets: CodecSecrets) {
    // An empty secret would still hash to a usable-looking key; treat it as absent.
    this.#key = secrets.secretKey ? sha256(secrets.secretKey) : null;
    this.#legacyIv = secrets.secretIv ? sha256(secrets.secretIv).subarray(0, 16) : null;
    this.canDecrypt = this.#key !== null;
  }

  detectFormat(value: string): CipherFormat | null {
    if (LEGACY_HEX.test(value)) return 'cbc';
    if (parseGcm(value)) return 'gcm';
    return null;
  }

  decryptField(value: string): string {
    const key = this.#requireKey();
    if (LEGACY_HEX.test(value)) {
      const iv = this.#requireLegacyIv();
      return decryptOrFail(() => {
        const decipher = createDecipheriv('aes-256-cbc', key, iv);
        return Buffer.concat([decipher.update(value, 'hex'), decipher.final()]);
      });
    }
    const gcm = parseGcm(value);
    if (!gcm) throw new CodecError('bad_format', 'value is neither legacy hex nor iv:ciphertext:tag');
    return decryptOrFail(() => {
      const decipher = createDecipheriv('aes-256-gcm', key, gcm.iv, { authTagLength: GCM_TAG_BYTES });
      decipher.setAuthTag(gcm.tag);
      return Buffer.concat([decipher.update(gcm.data), decipher.final()]);
    });
  }

  encryptField(plain: string, format: CipherFormat): string {
    const key = this.#requireKey();
    if (format === 'cbc') {
      const cipher = createCipheriv('aes-256-cbc', key, this.#requireLegacyIv());
      return Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]).toString('hex');
    }
    if (format === 'gcm') {
      const iv = randomBytes(GCM_ENCRYPT_IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: GCM_TAG_BYTES });
      const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return [iv, data, cipher.getAuthTag()].map((part) => part.toString('base64')).join(':');
    }
    throw new TypeError(`unknown cipher format: ${String(format)}`);
  }

  /**
   * Seals a whole message (docs/protocol.md §5 SEALED): AES-256-GCM, a random 12-byte IV, `aad` (the
   * channel) authenticated with it, written as base64(iv):base64(ciphertext):base64(tag).
   */
  seal(plain: string, aad: string): string {
    const key = this.#requireKey();
    const iv = randomBytes(SEAL_IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: GCM_TAG_BYTES });
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return [iv, data, cipher.getAuthTag()].map((part) => part.toString('base64')).join(':');
  }

  /** Opens a sealed message; fails unless it was sealed with this key for this `aad`. */
  open(value: string, aad: string): string {
    const key = this.#requireKey();
    const gcm = parseGcm(value);
    if (!gcm) throw new CodecError('bad_format', 'sealed value is not iv:ciphertext:tag');
    return decryptOrFail(() => {
      const decipher = createDecipheriv('aes-256-gcm', key, gcm.iv, { authTagLength: GCM_TAG_BYTES });
      decipher.setAAD(Buffer.from(aad, 'utf8'));
      decipher.setAuthTag(gcm.tag);
      return Buffer.concat([decipher.update(gcm.data), decipher.final()]);
    });
  }

  #requireKey(): Buffer {
    if (!this.#key) throw new CodecError('no_key', 'SECRET_KEY is not configured');
    return this.#key;
  }

  #requireLegacyIv(): Buffer {
    if (!this.#legacyIv) throw new CodecError('no_iv', 'SECRET_IV is required for the legacy format');
    return this.#legacyIv;
  }
}

function decryptOrFail(run: () => Buffer): string {
  try {
    return strictUtf8.decode(run());
  } catch {
    // Never leak OpenSSL's error text: it can act as a padding oracle.
    throw new CodecError('decrypt_failed', 'field could not be decrypted');
  }
}
