import { hashPassword, verifyPassword } from './password-hasher';

// A cheap cost keeps the suite fast; the default cost is exercised once.
const FAST = { N: 2 ** 10, r: 8, p: 1 };

describe('password hasher (scrypt)', () => {
  it('verifies the right password and refuses a wrong one', async () => {
    const stored = await hashPassword('s3cret password', FAST);
    expect(stored).toMatch(/^scrypt\$1024\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    await expect(verifyPassword('s3cret password', stored)).resolves.toBe(true);
    await expect(verifyPassword('s3cret passwore', stored)).resolves.toBe(false);
    await expect(verifyPassword('', stored)).resolves.toBe(false);
  });

  it('salts every hash, so equal passwords get different hashes', async () => {
    const [a, b] = await Promise.all([hashPassword('same', FAST), hashPassword('same', FAST)]);
    expect(a).not.toBe(b);
    await expect(verifyPassword('same', a)).resolves.toBe(true);
    await expect(verifyPassword('same', b)).resolves.toBe(true);
  });

  it('uses N=2^15, r=8, p=1 by default and keeps the parameters in the hash', async () => {
    const stored = await hashPassword('default cost');
    expect(stored.split('$').slice(0, 4)).toEqual(['scrypt', '32768', '8', '1']);
    await expect(verifyPassword('default cost', stored)).resolves.toBe(true);
  });

  it('refuses malformed or tampered hashes instead of throwing', async () => {
    const stored = await hashPassword('pw', FAST);
    const parts = stored.split('$');
    const flipped = [...parts.slice(0, 5), (parts[5][0] === 'A' ? 'B' : 'A') + parts[5].slice(1)].join('$');
    for (const bad of ['', 'plain', 'bcrypt$x', 'scrypt$0$8$1$abc$def', 'scrypt$1024$8$1$abc$short', flipped]) {
      await expect(verifyPassword('pw', bad)).resolves.toBe(false);
    }
  });

  it('treats canonically equal Unicode spellings as the same password', async () => {
    const stored = await hashPassword('caf\u00e9', FAST);
    await expect(verifyPassword('cafe\u0301', stored)).resolves.toBe(true);
  });
});
