import bcrypt from 'bcryptjs';
import { BCRYPT_HASH } from '../config/environment.dto.js';
import { checkPassword, DEFAULT_COST, hashPassword, parseArgs } from './admin-ui-hash.js';

describe('admin-ui:hash CLI', () => {
  describe('parseArgs', () => {
    it('defaults to cost 12', () => {
      expect(parseArgs([])).toEqual({ cost: DEFAULT_COST, help: false });
      expect(DEFAULT_COST).toBe(12);
    });

    it.each([[['--cost', '10']], [['-c', '10']], [['--cost=10']]])('accepts %j', (argv) => {
      expect(parseArgs(argv).cost).toBe(10);
    });

    it.each([[['--cost', '9']], [['--cost', '16']], [['--cost', 'x']], [['--cost', '10.5']]])('rejects %j', (argv) => {
      expect(() => parseArgs(argv)).toThrow('--cost must be an integer from 10 to 15');
    });

    it('refuses the password as an argument, and unknown flags', () => {
      expect(() => parseArgs(['my-password-here'])).toThrow();
      expect(() => parseArgs(['--password', 'x'])).toThrow();
    });
  });

  describe('checkPassword', () => {
    it('needs 12 characters', () => {
      expect(() => checkPassword('short-pass1')).toThrow('at least 12 characters');
      expect(() => checkPassword('long-enough-1')).not.toThrow();
    });

    it('refuses more than the 72 bytes bcrypt reads', () => {
      expect(() => checkPassword('é'.repeat(37))).toThrow('longer than 72 bytes');
      expect(() => checkPassword('a'.repeat(72))).not.toThrow();
    });
  });

  describe('hashPassword', () => {
    it('makes a hash that config accepts and that verifies only the same password', async () => {
      const hash = await hashPassword('operator-password-0123', 10);
      expect(hash).toMatch(BCRYPT_HASH);
      expect(hash.startsWith('$2b$10$')).toBe(true);
      expect(await bcrypt.compare('operator-password-0123', hash)).toBe(true);
      expect(await bcrypt.compare('operator-password-0124', hash)).toBe(false);
    });
  });
});
