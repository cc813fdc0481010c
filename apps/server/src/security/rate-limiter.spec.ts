import { MemoryRateLimiter } from './rate-limiter';

describe('MemoryRateLimiter', () => {
  let now = 1_000_000;
  const sut = () => new MemoryRateLimiter(() => now);

  it('allows up to the limit per window, then refuses with the time left, then allows again', async () => {
    const limiter = sut();
    for (let i = 1; i <= 3; i++) expect(await limiter.hit('k', 3, 60_000)).toEqual({ allowed: true, count: i, retryAfterMs: 0 });
    now += 20_000;
    expect(await limiter.hit('k', 3, 60_000)).toEqual({ allowed: false, count: 4, retryAfterMs: 40_000 });
    expect((await limiter.hit('other', 3, 60_000)).allowed).toBe(true);
    now += 40_000;
    expect(await limiter.hit('k', 3, 60_000)).toEqual({ allowed: true, count: 1, retryAfterMs: 0 });
  });

  it('forgets expired windows, so keys do not pile up', async () => {
    const limiter = sut();
    for (let i = 0; i < 1000; i++) await limiter.hit(`ip-${i}`, 5, 1000);
    expect(limiter.size).toBe(1000);
    now += 1001;
    await limiter.hit('fresh', 5, 1000);
    expect(limiter.size).toBe(1);
  });
});
