import { LoginLimiter } from './login-limiter';

describe('LoginLimiter', () => {
  let now: number;
  let sut: LoginLimiter;

  beforeEach(() => {
    now = 1_000_000;
    sut = new LoginLimiter(3, 60_000, () => now);
  });

  it('refuses an email + IP pair after the maximum failures until the window ends', () => {
    for (let i = 0; i < 3; i++) {
      expect(sut.retryAfter('a@x.io', '1.1.1.1')).toBe(0);
      sut.fail('a@x.io', '1.1.1.1');
    }
    expect(sut.retryAfter('a@x.io', '1.1.1.1')).toBe(60);
    now += 59_000;
    expect(sut.retryAfter('A@X.io ', '1.1.1.1')).toBe(1);
    now += 1_000;
    expect(sut.retryAfter('a@x.io', '1.1.1.1')).toBe(0);
  });

  it('counts each pair on its own', () => {
    for (let i = 0; i < 3; i++) sut.fail('a@x.io', '1.1.1.1');
    expect(sut.retryAfter('a@x.io', '2.2.2.2')).toBe(0);
    expect(sut.retryAfter('b@x.io', '1.1.1.1')).toBe(0);
  });

  it('forgets the failures after a success', () => {
    sut.fail('a@x.io', '1.1.1.1');
    sut.fail('a@x.io', '1.1.1.1');
    sut.succeed('a@x.io', '1.1.1.1');
    sut.fail('a@x.io', '1.1.1.1');
    sut.fail('a@x.io', '1.1.1.1');
    expect(sut.retryAfter('a@x.io', '1.1.1.1')).toBe(0);
  });
});
