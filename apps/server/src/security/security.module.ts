import { Logger, Module } from '@nestjs/common';
import { Redis } from 'ioredis';
import { APP_CONFIG, AppConfig } from '@app/config';
import { RATE_LIMITER, RateLimitService } from './rate-limit.service';
import { MemoryRateLimiter, RateLimiter, RedisRateLimiter } from './rate-limiter';

const logger = new Logger('RateLimit');
/** Redis keys of the counters: `parley:rl:http:<ip>`, `parley:rl:conn:<ip>`. */
export const RATE_LIMIT_KEY_PREFIX = 'parley:rl:';

/**
 * Rate limits with one {@link RateLimiter}: Redis-backed (shared by every instance) when `REDIS_URL` is set,
 * in memory otherwise. Applied by `httpRateLimit` (bootstrap) and `attachSocketGuards` (the socket adapter).
 */
@Module({
  providers: [
    {
      provide: RATE_LIMITER,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig): RateLimiter => (config.redis.url ? redisLimiter(config.redis.url) : new MemoryRateLimiter()),
    },
    RateLimitService,
  ],
  exports: [RateLimitService],
})
export class SecurityModule {}

function redisLimiter(url: string): RateLimiter {
  // No offline queue and one retry: while Redis is away a hit fails at once and falls back to local counters,
  // rather than holding every request until Redis returns.
  const redis = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectionName: 'parley-rate-limit' });
  let lastReport = 0;
  const report = (event: string) => (error: unknown) => {
    // At most one line a minute: Redis being down must not flood the log.
    if (Date.now() - lastReport < 60_000) return;
    lastReport = Date.now();
    logger.warn({ event, message: error instanceof Error ? error.message : String(error) });
  };
  // Without an 'error' listener ioredis re-throws connection errors as unhandled, which would crash the server.
  redis.on('error', report('rate_limit.redis_error'));
  const limiter = new RedisRateLimiter(redis, RATE_LIMIT_KEY_PREFIX, report('rate_limit.redis_fallback'));
  return {
    hit: (key, limit, windowMs) => limiter.hit(key, limit, windowMs),
    close: async () => {
      await limiter.close();
      redis.disconnect();
    },
  };
}
