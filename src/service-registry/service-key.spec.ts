import { hashServiceKey, verifyServiceKey } from './service-key.js';

const KEY = 'billing-key-0123456789';

describe('hashServiceKey', () => {
  const sut = hashServiceKey;

  it('gives a scrypt$N$r$p$salt$hash string', async () => {
    const hash = await sut(KEY);
    expect(hash).toMatch(/^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
  });

  it('salts: the same key hashes differently each time', async () => {
    const [a, b] = await Promise.all([sut(KEY), sut(KEY)]);
    expect(a).not.toBe(b);
    expect(a.split('$')[4]).not.toBe(b.split('$')[4]);
  });

  it('never contains the key, plain or base64', async () => {
    const hash = await sut(KEY);
    expect(hash).not.toContain(KEY);
    expect(hash).not.toContain(Buffer.from(KEY).toString('base64').slice(0, 16));
  });
});

describe('verifyServiceKey', () => {
  const sut = verifyServiceKey;
  let stored: string;

  beforeAll(async () => {
    stored = await hashServiceKey(KEY);
  });

  it('is true for the right key', async () => {
    await expect(sut(KEY, stored)).resolves.toBe(true);
  });

  it('is false for a wrong key, a prefix of the key and the empty key', async () => {
    await expect(sut(`${KEY}x`, stored)).resolves.toBe(false);
    await expect(sut(KEY.slice(0, -1), stored)).resolves.toBe(false);
    await expect(sut('', stored)).resolves.toBe(false);
  });

  it('is false when the hash was made for another key', async () => {
    await expect(sut(KEY, await hashServiceKey('another-key-0123456789'))).resolves.toBe(false);
  });

  it.each([
    ['empty', ''],
    ['another scheme', 'bcrypt$x'],
    ['empty salt and hash', 'scrypt$1$1$1$$'],
    ['no parameters', 'scrypt'],
  ])('is false for a malformed hash (%s)', async (_label, malformed) => {
    await expect(sut(KEY, malformed)).resolves.toBe(false);
  });

  it('is false for invalid scrypt parameters instead of throwing', async () => {
    const [, , , , salt, hash] = stored.split('$');
    await expect(sut(KEY, `scrypt$abc$8$1$${salt}$${hash}`)).resolves.toBe(false);
    await expect(sut(KEY, `scrypt$3$8$1$${salt}$${hash}`)).resolves.toBe(false);
  });

  it('is false, not true for any key, when the hash part decodes to no bytes', async () => {
    const [, n, r, p, salt] = stored.split('$');
    await expect(sut('any key at all', `scrypt$${n}$${r}$${p}$${salt}$!!!`)).resolves.toBe(false);
    await expect(sut('any key at all', `scrypt$${n}$${r}$${p}$${salt}$=`)).resolves.toBe(false);
  });
});
