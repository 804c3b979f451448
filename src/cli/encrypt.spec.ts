import { ControlCodec } from '../control-bus/control-codec.js';
import { encryptField, encryptJson } from '../control-bus/producer.js';
import { parseArgs } from './encrypt.js';

const SECRETS = { secretKey: 'cli-secret-key', secretIv: 'cli-secret-iv' };

describe('encrypt CLI', () => {
  describe('parseArgs', () => {
    it('defaults to sealing a message, text from the positional argument', () => {
      expect(parseArgs(['hello'])).toEqual({ mode: 'seal', channel: undefined, format: 'gcm', json: false, help: false, text: 'hello' });
      expect(parseArgs(['--channel', 'kick', '{}'])).toMatchObject({ mode: 'seal', channel: 'kick' });
    });

    it('--field (or --format) encrypts one field, gcm by default', () => {
      expect(parseArgs(['--field', 'hello'])).toEqual({ mode: 'field', channel: undefined, format: 'gcm', json: false, help: false, text: 'hello' });
      expect(parseArgs(['--format', 'gcm', 'x']).mode).toBe('field');
      expect(() => parseArgs(['--field', '--channel', 'kick', 'x'])).toThrow(/channel/);
    });

    it('leaves text undefined (read stdin) without a positional argument', () => {
      expect(parseArgs([]).text).toBeUndefined();
    });

    it.each([[['--format', 'cbc', 'x']], [['--format=cbc', 'x']], [['-f', 'cbc', 'x']]])('accepts %j', (argv) => {
      expect(parseArgs(argv).format).toBe('cbc');
    });

    it('accepts --json', () => {
      expect(parseArgs(['--json', '{"a":1}'])).toMatchObject({ json: true, text: '{"a":1}' });
    });

    it('accepts --help', () => {
      expect(parseArgs(['--help']).help).toBe(true);
    });

    it('treats text after -- as positional even when it looks like a flag', () => {
      expect(parseArgs(['--', '--json']).text).toBe('--json');
    });

    it('rejects an unknown flag', () => {
      expect(() => parseArgs(['--nope', 'x'])).toThrow(/nope/);
    });

    it('rejects an unknown format', () => {
      expect(() => parseArgs(['--format', 'ecb', 'x'])).toThrow(/ecb/);
    });

    it('rejects more than one positional argument', () => {
      expect(() => parseArgs(['a', 'b'])).toThrow(/single/);
    });
  });

  describe('producer helpers', () => {
    const codec = new ControlCodec(SECRETS);

    it('encryptField defaults to gcm and decrypts through ControlCodec', () => {
      const value = encryptField('hi there', { secretKey: SECRETS.secretKey });
      expect(codec.detectFormat(value)).toBe('gcm');
      expect(codec.decryptField(value)).toBe('hi there');
    });

    it('encryptField with cbc decrypts through ControlCodec', () => {
      const value = encryptField('hi there', { ...SECRETS, format: 'cbc' });
      expect(codec.detectFormat(value)).toBe('cbc');
      expect(codec.decryptField(value)).toBe('hi there');
    });

    it('encryptJson encrypts the JSON text of the value', () => {
      const value = encryptJson({ b: [1, 'x'], a: null }, SECRETS);
      expect(codec.decryptField(value)).toBe('{"b":[1,"x"],"a":null}');
    });

    it('encryptJson rejects values with no JSON form', () => {
      expect(() => encryptJson(undefined, SECRETS)).toThrow(TypeError);
    });
  });
});
