import type { Redis } from 'ioredis';

/** The outcome of counting one hit against a limit. */
export interface RateDecision {
  allowed: boolean;
  /** Hits counted in the current window, this one included. */
  count: number;
  /** Until the window resets (0 when allowed and unknown). */
  retryAfterMs: number;
}

/**
 * Fixed-window counters: `hit(key, limit, windowMs)` counts one hit and says whether it is within `limit`.
 * Fixed windows let a client burst up to 2× the limit across a boundary; for abuse limits set far above a real
 * customer's pace that is fine, and it costs one Redis round trip per hit.
 */
export interface RateLimiter {
  hit(key: string, limit: number, windowMs: number): Promise<RateDecision>;
  close(): Promise<void>;
}

/** One process's counters. Expired windows are swept once per window, so memory stays bounded by live keys. */
export class MemoryRateLimiter implements RateLimiter {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();
  private nextSweep = 0;

  constructor(private readonly now: () => number = Date.now) {}

  async hit(key: string, limit: number, windowMs: number): Promise<RateDecision> {
    return this.hitSync(key, limit, windowMs);
  }

  hitSync(key: string, limit: number, windowMs: number): RateDecision {
    const now = this.now();
    if (now >= this.nextSweep) this.sweep(now, windowMs);
    let w = this.windows.get(key);
    if (!w || w.resetAt <= now) {
      w = { count: 0, resetAt: now + windowMs };
      this.windows.set(key, w);
    }
    w.count += 1;
    return decide(w.count, limit, w.resetAt - now);
  }

  /** Live keys (for tests and the fuzz run's memory check). */
  get size(): number {
    return this.windows.size;
  }

  async close(): Promise<void> {
    this.windows.clear();
  }

  private sweep(now: number, windowMs: number): void {
    for (const [key, w] of this.windows) if (w.resetAt <= now) this.windows.delete(key);
    this.nextSweep = now + windowMs;
  }
}

/** INCR + PEXPIRE on the first hit, atomically; returns the count and the window's remaining ms. */
const HIT_SCRIPT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {n, ttl}
`;

/**
 * Counters in Redis, shared by every instance. If Redis is unreachable the limiter falls back to this process's
 * own counters (still a limit, per instance) instead of failing every request: a limiter must not take the
 * chat down with it. `onFallback` is called on each fallback (the owner logs it, throttled).
 */
export class RedisRateLimiter implements RateLimiter {
  private readonly local = new MemoryRateLimiter();

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly onFallback: (error: unknown) => void,
  ) {}

  async hit(key: string, limit: number, windowMs: number): Promise<RateDecision> {
    try {
      const [count, ttl] = (await this.redis.eval(HIT_SCRIPT, 1, `${this.prefix}${key}`, String(windowMs))) as [number, number];
      return decide(count, limit, ttl);
    } catch (error) {
      this.onFallback(error);
      return this.local.hitSync(key, limit, windowMs);
    }
  }

  async close(): Promise<void> {
    await this.local.close();
  }
}

function decide(count: number, limit: number, msLeft: number): RateDecision {
  const allowed = count <= limit;
  return { allowed, count, retryAfterMs: allowed ? 0 : Math.max(1, msLeft) };
}
