import { CodecError, ControlCodec, type CodecFailure } from './control-codec.js';

// Fixed vectors computed outside this codec (see the report / commands below):
//   key = sha256('test-secret-key'), legacy IV = sha256('test-secret-iv')[0..16]
//   CBC: printf '%s' TEXT | openssl enc -aes-256-cbc -K <key hex> -iv <iv hex> | xxd -p
//   GCM: python3 cryptography AESGCM(key).encrypt(iv, TEXT, None) with the fixed IVs noted
const SECRETS = { secretKey: 'test-secret-key', secretIv: 'test-secret-iv' };
const TEXT = 'hello control bus';
const UNICODE = 'héllo wörld — 你好 🚀';

const CBC_TEXT = '1cb630348f97377c9b51d55c67b1b81e2624b905e7fc174e731da3eb9deddcd1';
const CBC_JSON = '4e843784154daf359bd57b55b9f057dad2fa1b042084d11055d1c798dab63269'; // {"userId":42,"event":"kick"}
const CBC_UNICODE = '694c4736b9aa53e8bb1564067044f671537d591ef2682a915da58f1aa973717e';
// iv = bytes 0x00..0x0f
const GCM_IV16 = 'AAECAwQFBgcICQoLDA0ODw==:trfrmpeEldrXAhz0W2MKLFA=:Osqua9uF9FT+fqyYfjzG4g==';
// iv = bytes 0x64..0x6f ('defghijklmno')
const GCM_IV12 = 'ZGVmZ2hpamtsbW5v:umiByJrZiBACkQe0oksSEos=:nELI0iuBfgXR4ZvsyHXJbg==';
// iv = bytes 0x20..0x2f
const GCM_UNICODE = 'ICEiIyQlJicoKSorLC0uLw==:EN7n7sjmdYYfLnOUxVF1YfDe34F7Q9mBcajz5EY=:nLpnM5ZjkQs4FvZsRMgpyQ==';

function failureOf(run: () => unknown): CodecFailure | 'no error' {
  try {
    run();
  } catch (error) {
    if (error instanceof CodecError) return error.reason;
    throw error;
  }
  return 'no error';
}

describe('ControlCodec', () => {
  let sut: ControlCodec;

  beforeEach(() => {
    sut = new ControlCodec(SECRETS);
  });

  describe('canDecrypt', () => {
    it('is true when a secret key is configured', () => {
      expect(sut.canDecrypt).toBe(true);
    });

    it('is true without an IV, since GCM does not need one', () => {
      expect(new ControlCodec({ secretKey: 'k' }).canDecrypt).toBe(true);
    });

    it.each([{}, { secretKey: '' }, { secretKey: '', secretIv: 'iv' }])('is false for %j', (secrets) => {
      expect(new ControlCodec(secrets).canDecrypt).toBe(false);
    });
  });

  describe('detectFormat', () => {
    it.each([
      [CBC_TEXT, 'cbc'],
      [CBC_UNICODE, 'cbc'],
      [GCM_IV16, 'gcm'],
      [GCM_IV12, 'gcm'],
    ])('detects %s as %s', (value, format) => {
      expect(sut.detectFormat(value)).toBe(format);
    });

    it.each([
      ['empty string', ''],
      ['not hex or base64', 'xyz'],
      ['odd-length hex', 'abc'],
      ['hex not a multiple of 32', CBC_TEXT.slice(0, 30)],
      ['uppercase hex', CBC_TEXT.toUpperCase()],
      ['two-part gcm', 'AAECAwQFBgcICQoLDA0ODw==:trfrmpeEldrXAhz0W2MKLFA='],
      ['four-part gcm', `${GCM_IV16}:AAAA`],
      ['gcm with an 8-byte iv', 'AAECAwQFBgc=:trfrmpeEldrXAhz0W2MKLFA=:Osqua9uF9FT+fqyYfjzG4g=='],
      ['gcm with a 15-byte tag', 'AAECAwQFBgcICQoLDA0ODw==:trfrmpeEldrXAhz0W2MKLFA=:Osqua9uF9FT+fqyYfjzG'],
      ['gcm with an empty iv part', ':trfrmpeEldrXAhz0W2MKLFA=:Osqua9uF9FT+fqyYfjzG4g=='],
      ['gcm with non-canonical base64 (padding dropped)', 'AAECAwQFBgcICQoLDA0ODw:trfrmpeEldrXAhz0W2MKLFA=:Osqua9uF9FT+fqyYfjzG4g=='],
      ['gcm with url-safe base64', 'AAECAwQFBgcICQoLDA0ODw==:trfrmpeEldrXAhz0W2MKLFA=:Osqua9uF9FT-fqyYfjzG4g=='],
      ['gcm with junk characters', 'AAECAwQFBgcICQoLDA0ODw==:trfrmpe*EldrXAhz0W2MKLFA=:Osqua9uF9FT+fqyYfjzG4g=='],
    ])('returns null for %s', (_label, value) => {
      expect(sut.detectFormat(value)).toBeNull();
    });
  });

  describe('decryptField', () => {
    it('decrypts a fixed legacy (CBC) vector', () => {
      expect(sut.decryptField(CBC_TEXT)).toBe(TEXT);
    });

    it('decrypts a fixed legacy vector holding JSON', () => {
      expect(JSON.parse(sut.decryptField(CBC_JSON))).toEqual({ userId: 42, event: 'kick' });
    });

    it('decrypts a fixed GCM vector with a 16-byte IV', () => {
      expect(sut.decryptField(GCM_IV16)).toBe(TEXT);
    });

    it('decrypts a fixed GCM vector with a 12-byte IV', () => {
      expect(sut.decryptField(GCM_IV12)).toBe(TEXT);
    });

    it('decrypts unicode text in both formats', () => {
      expect(sut.decryptField(CBC_UNICODE)).toBe(UNICODE);
      expect(sut.decryptField(GCM_UNICODE)).toBe(UNICODE);
    });

    it('decrypts GCM without any IV configured', () => {
      expect(new ControlCodec({ secretKey: SECRETS.secretKey }).decryptField(GCM_IV16)).toBe(TEXT);
    });

    it('fails with decrypt_failed when the GCM tag is tampered with', () => {
      const [iv, data] = GCM_IV16.split(':');
      const tampered = `${iv}:${data}:${Buffer.alloc(16, 0x41).toString('base64')}`;
      expect(sut.detectFormat(tampered)).toBe('gcm');
      expect(failureOf(() => sut.decryptField(tampered))).toBe('decrypt_failed');
    });

    it('fails with decrypt_failed when the GCM ciphertext is tampered with', () => {
      const [iv, , tag] = GCM_IV16.split(':');
      const data = Buffer.from('trfrmpeEldrXAhz0W2MKLFA=', 'base64');
      data[0] ^= 0x01;
      expect(failureOf(() => sut.decryptField(`${iv}:${data.toString('base64')}:${tag}`))).toBe('decrypt_failed');
    });

    it('fails with decrypt_failed under the wrong key', () => {
      // With key sha256('wrong-secret-key') the CBC vector's last block ends in 0x23,
      // which is never valid PKCS#7 padding, so this fails deterministically.
      const wrong = new ControlCodec({ secretKey: 'wrong-secret-key', secretIv: SECRETS.secretIv });
      expect(failureOf(() => wrong.decryptField(CBC_TEXT))).toBe('decrypt_failed');
      expect(failureOf(() => wrong.decryptField(GCM_IV16))).toBe('decrypt_failed');
    });

    it('throws a CodecError, never the raw crypto error', () => {
      const wrong = new ControlCodec({ secretKey: 'wrong-secret-key', secretIv: SECRETS.secretIv });
      expect(() => wrong.decryptField(CBC_TEXT)).toThrow(CodecError);
      expect(() => wrong.decryptField(CBC_TEXT)).toThrow('field could not be decrypted');
    });

    it.each([{}, { secretKey: '', secretIv: 'test-secret-iv' }])('fails with no_key for %j', (secrets) => {
      const codec = new ControlCodec(secrets);
      expect(failureOf(() => codec.decryptField(CBC_TEXT))).toBe('no_key');
      expect(failureOf(() => codec.decryptField(GCM_IV16))).toBe('no_key');
    });

    it('fails with no_iv for a legacy value when no IV is configured', () => {
      const codec = new ControlCodec({ secretKey: SECRETS.secretKey, secretIv: '' });
      expect(failureOf(() => codec.decryptField(CBC_TEXT))).toBe('no_iv');
    });

    it.each([
      ['xyz'],
      ['abc'],
      [CBC_TEXT.toUpperCase()],
      ['AAECAwQFBgcICQoLDA0ODw==:trfrmpeEldrXAhz0W2MKLFA='],
      ['AAECAwQFBgc=:trfrmpeEldrXAhz0W2MKLFA=:Osqua9uF9FT+fqyYfjzG4g=='],
      [''],
    ])('fails with bad_format for %j', (value) => {
      expect(failureOf(() => sut.decryptField(value))).toBe('bad_format');
    });
  });

  describe('encryptField', () => {
    it('round-trips an empty string in gcm (empty ciphertext part)', () => {
      const field = sut.encryptField('', 'gcm');
      expect(field.split(':')[1]).toBe('');
      expect(sut.decryptField(field)).toBe('');
    });

    it('produces the fixed legacy vector (CBC is deterministic)', () => {
      expect(sut.encryptField(TEXT, 'cbc')).toBe(CBC_TEXT);
      expect(sut.encryptField(UNICODE, 'cbc')).toBe(CBC_UNICODE);
    });

    it('produces GCM output with a fresh 16-byte IV each time', () => {
      const first = sut.encryptField(TEXT, 'gcm');
      const second = sut.encryptField(TEXT, 'gcm');
      expect(first).not.toBe(second);
      for (const value of [first, second]) {
        expect(sut.detectFormat(value)).toBe('gcm');
        const [iv, data, tag] = value.split(':').map((part) => Buffer.from(part, 'base64'));
        expect(iv).toHaveLength(16);
        expect(data).toHaveLength(Buffer.byteLength(TEXT));
        expect(tag).toHaveLength(16);
      }
    });

    it.each([TEXT, UNICODE, '{"a":[1,2,{"b":null}]}'])('round-trips %j through GCM', (plain) => {
      expect(sut.decryptField(sut.encryptField(plain, 'gcm'))).toBe(plain);
    });

    it('round-trips through CBC', () => {
      expect(sut.decryptField(sut.encryptField(UNICODE, 'cbc'))).toBe(UNICODE);
    });

    it('encrypts GCM without an IV configured', () => {
      const codec = new ControlCodec({ secretKey: SECRETS.secretKey });
      expect(sut.decryptField(codec.encryptField(TEXT, 'gcm'))).toBe(TEXT);
    });

    it('fails with no_key for an empty key', () => {
      const codec = new ControlCodec({ secretKey: '', secretIv: SECRETS.secretIv });
      expect(failureOf(() => codec.encryptField(TEXT, 'gcm'))).toBe('no_key');
      expect(failureOf(() => codec.encryptField(TEXT, 'cbc'))).toBe('no_key');
    });

    it('fails with no_iv for CBC without an IV', () => {
      const codec = new ControlCodec({ secretKey: SECRETS.secretKey });
      expect(failureOf(() => codec.encryptField(TEXT, 'cbc'))).toBe('no_iv');
    });
  });
});
