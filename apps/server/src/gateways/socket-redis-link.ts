import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { createShardedAdapter } from '@socket.io/redis-adapter';
import { Redis, RedisOptions } from 'ioredis';
import { APP_CONFIG, AppConfig } from '@app/config';

export type RedisLinkStatus = 'off' | 'up' | 'down';

/**
 * The Redis connections behind socket.io's adapter when `REDIS_URL` is set: an emit to a conversation's room
 * reaches its sockets on every server instance, not only this one.
 *
 * Sharded pub/sub (Redis ≥ 7.0, `@socket.io/redis-adapter`'s `createShardedAdapter`, which drives ioredis'
 * `spublish`/`ssubscribe`): in its default "dynamic" mode each conversation room is its own channel, so a reply
 * travels only to the instances that hold a socket of that conversation instead of to all of them, and it works
 * unchanged on a Redis Cluster. ioredis re-subscribes sharded channels after a reconnect.
 *
 * Redis away: the publisher has no offline queue, so an emit fails over at once to local delivery (this instance's
 * sockets keep getting their replies; sockets of that conversation on other instances miss it and catch up on
 * their next `conversation:start` with `lastSeq`). Both connections retry in the background; readiness reports
 * `redis: down` meanwhile. Channels are named per Redis database number, so deployments sharing one Redis on
 * different databases (and test runs) do not hear each other.
 */
@Injectable()
export class SocketRedisLink implements OnApplicationShutdown {
  private readonly logger = new Logger('SocketRedis');
  private readonly pub: Redis | null = null;
  private readonly sub: Redis | null = null;
  private readonly channelPrefix: string = 'parley-io';
  private lastComplaint = 0;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    const url = config.redis.url;
    if (!url) return;
    this.channelPrefix = `parley-io#${databaseOf(url)}`;
    // Auto-pipelining: what is published in one event-loop turn (a turn's reply and its copies to the agent room,
    // the emits of concurrent turns) goes to Redis in one write instead of one write each.
    this.pub = this.connect(url, 'parley-io-pub', { enableOfflineQueue: false, maxRetriesPerRequest: 1, enableAutoPipelining: true });
    // The subscriber queues its (re)subscriptions until Redis is back, however long that takes: with ioredis'
    // default of 20 retries per command, a room joined during an outage of about 20 s would have its subscription
    // dropped (that room would never hear the other instances again) and the rejection would end the process.
    this.sub = this.connect(url, 'parley-io-sub', { maxRetriesPerRequest: null });
    observeSubscriptions(this.sub, (error) => this.complain('parley-io-sub', error));
  }

  get enabled(): boolean {
    return this.pub !== null;
  }

  /** `up` when both connections are ready; `off` without REDIS_URL. */
  get status(): RedisLinkStatus {
    if (!this.pub || !this.sub) return 'off';
    return this.pub.status === 'ready' && this.sub.status === 'ready' ? 'up' : 'down';
  }

  /** The adapter factory for `server.adapter(...)`. */
  adapter(): ReturnType<typeof createShardedAdapter> {
    if (!this.pub || !this.sub) throw new Error('REDIS_URL is not set');
    return createShardedAdapter(this.pub, this.sub, { channelPrefix: this.channelPrefix, subscriptionMode: 'dynamic' });
  }

  async onApplicationShutdown(): Promise<void> {
    // quit() waits for Redis to answer; a connection that is not up just stops reconnecting.
    await Promise.all([this.pub, this.sub].map((c) => (c?.status === 'ready' ? c.quit().catch(() => c.disconnect()) : c?.disconnect())));
  }

  private connect(url: string, connectionName: string, options: RedisOptions): Redis {
    const client = new Redis(url, { ...options, connectionName, retryStrategy: (times) => Math.min(100 * times, 2_000) });
    // Without an 'error' listener ioredis re-throws connection errors as unhandled: the server would crash.
    client.on('error', (error: Error) => this.complain(connectionName, error));
    client.on('ready', () => this.logger.log({ event: 'socket_redis.ready', connection: connectionName }));
    return client;
  }

  /** At most one line every 10 s per process: a Redis outage must not flood the log. */
  private complain(connection: string, error: Error): void {
    if (Date.now() - this.lastComplaint < 10_000) return;
    this.lastComplaint = Date.now();
    this.logger.warn({ event: 'socket_redis.error', connection, message: error.message });
  }
}

/**
 * The adapter calls `ssubscribe`/`sunsubscribe` and drops their promises. A command still waiting in the
 * subscriber's offline queue is rejected when the queue is flushed (the connection is closed at shutdown while
 * Redis is away), and in Node an unhandled rejection ends the process. Each such promise is observed here (the
 * failure is logged, throttled) and handed back unchanged to the adapter.
 */
function observeSubscriptions(client: Redis, onError: (error: Error) => void): void {
  for (const name of ['ssubscribe', 'sunsubscribe'] as const) {
    const command = client[name].bind(client) as (...args: unknown[]) => Promise<unknown>;
    Object.defineProperty(client, name, {
      configurable: true,
      value: (...args: unknown[]) => {
        const reply = command(...args);
        reply.catch(onError);
        return reply;
      },
    });
  }
}

function databaseOf(url: string): number {
  const db = Number(new URL(url).pathname.replace(/^\//, '') || 0);
  return Number.isInteger(db) ? db : 0;
}
