import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@app/config';
import { ChatEvent, RateLimitedError } from '@app/contracts';
import { MemoryRateLimiter, RateLimiter } from './rate-limiter';

/** Injection token of the shared (Redis or in-memory) {@link RateLimiter}. */
export const RATE_LIMITER = Symbol('RATE_LIMITER');

/**
 * The limits of `config.rateLimit`, applied by the HTTP middleware and the socket hooks. Per-IP limits go
 * through the shared limiter (Redis when configured: one budget across instances); per-socket limits stay in
 * this process, where the socket lives. A refusal is a {@link RateLimitedError} naming the variable to raise.
 */
@Injectable()
export class RateLimitService implements OnModuleDestroy {
  private readonly logger = new Logger('RateLimit');
  private readonly perSocket = new MemoryRateLimiter();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(RATE_LIMITER) private readonly shared: RateLimiter,
  ) {}

  /** One REST request from `ip`. */
  async checkHttp(ip: string): Promise<void> {
    await this.checkShared(`http:${ip}`, this.config.rateLimit.httpPerIp, 'requests', 'RATE_LIMIT_HTTP_PER_MINUTE_PER_IP');
  }

  /** One new socket (namespace connection) from `ip`. */
  async checkConnection(ip: string): Promise<void> {
    await this.checkShared(`conn:${ip}`, this.config.rateLimit.connectionsPerIp, 'connections', 'RATE_LIMIT_CONNECTIONS_PER_MINUTE_PER_IP');
  }

  /**
   * One REST-channel message into the conversation whose token hashes to `tokenHash`: the widget's per-socket
   * message limit, counted per conversation (a REST client has no socket) and shared by every instance.
   */
  async checkConversationMessage(tokenHash: string): Promise<void> {
    await this.checkShared(`restmsg:${tokenHash}`, this.config.rateLimit.messagesPerConnection, 'messages', 'RATE_LIMIT_MESSAGES_PER_MINUTE');
  }

  /** One client event on socket `socketId`; returns the refusal, or null when the event may run. Synchronous. */
  checkEvent(socketId: string, event: string): RateLimitedError | null {
    const { windowMs, eventsPerConnection, messagesPerConnection } = this.config.rateLimit;
    if (eventsPerConnection > 0) {
      const d = this.perSocket.hitSync(`ev:${socketId}`, eventsPerConnection, windowMs);
      if (!d.allowed) return this.refusal('events', 'RATE_LIMIT_EVENTS_PER_MINUTE', d.retryAfterMs, { socketId, event });
    }
    if (event === ChatEvent.MessageSend && messagesPerConnection > 0) {
      const d = this.perSocket.hitSync(`msg:${socketId}`, messagesPerConnection, windowMs);
      if (!d.allowed) return this.refusal('messages', 'RATE_LIMIT_MESSAGES_PER_MINUTE', d.retryAfterMs, { socketId, event });
    }
    return null;
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all([this.shared.close(), this.perSocket.close()]);
  }

  private async checkShared(key: string, limit: number, what: string, variable: string): Promise<void> {
    if (limit <= 0) return;
    const d = await this.shared.hit(key, limit, this.config.rateLimit.windowMs);
    if (!d.allowed) throw this.refusal(what, variable, d.retryAfterMs, { key });
  }

  private refusal(what: string, variable: string, retryAfterMs: number, context: Record<string, string>): RateLimitedError {
    // debug, not warn: a flood would otherwise turn into a log flood. The metric-worthy count is in the access log.
    this.logger.debug({ event: 'rate_limited', limit: variable, retryAfterMs, ...context });
    return new RateLimitedError(`Too many ${what}; retry in ${Math.ceil(retryAfterMs / 1000)} s (${variable})`, retryAfterMs);
  }
}
