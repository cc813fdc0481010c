import { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { Server, ServerOptions } from 'socket.io';
import type { AppConfig } from '@app/config';
import { RateLimitService } from '../security/rate-limit.service';
import { allowSocketRequest, attachSocketGuards } from '../security/security-hooks';
import { isOriginAllowed } from '../security/origin-policy';
import { SocketRedisLink } from './socket-redis-link';

/**
 * socket.io with our limits: `maxHttpBufferSize` caps one packet (a bigger one closes that connection at the
 * transport, before any handler runs); a connection from a browser origin outside `CORS_ORIGINS` is refused
 * (403) before it becomes a socket; per-IP connection and per-socket event limits guard every namespace. With
 * `REDIS_URL`, the Redis adapter of {@link SocketRedisLink} carries room emits between server instances.
 */
export class WidgetIoAdapter extends IoAdapter {
  constructor(
    private readonly nestApp: INestApplicationContext,
    private readonly config: AppConfig,
  ) {
    super(nestApp);
  }

  override createIOServer(port: number, options?: ServerOptions): unknown {
    const origins = this.config.http.corsOrigins;
    const server = super.createIOServer(port, {
      ...options,
      maxHttpBufferSize: this.config.http.maxPayloadBytes,
      // CORS headers for the polling transport; the refusal itself is allowRequest's (it also sees websockets).
      cors: { origin: (origin: string | undefined, cb: (e: Error | null, ok: boolean) => void) => cb(null, isOriginAllowed(origins, origin, undefined)), credentials: false },
      allowRequest: allowSocketRequest(this.config),
      connectTimeout: 10_000,
    } as ServerOptions) as Server;
    attachSocketGuards(server, this.nestApp.get(RateLimitService), this.config);
    // Several instances: room emits go through Redis, so a reply reaches the conversation's sockets anywhere.
    const redis = this.nestApp.get(SocketRedisLink);
    if (redis.enabled) server.adapter(redis.adapter());
    return server;
  }
}
