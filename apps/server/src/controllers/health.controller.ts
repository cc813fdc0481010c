import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { HttpResponse as Response } from '../http.types';
import { DataSource } from 'typeorm';
import { NluService } from '@app/nlu';
import { RedisLinkStatus, SocketRedisLink } from '../gateways/socket-redis-link';

export interface ReadinessBody {
  status: 'ready' | 'not_ready';
  /** `redis`: the socket.io link between instances (`off` without REDIS_URL); it does not decide readiness. */
  checks: { database: 'up' | 'down'; model: 'loaded' | 'not_loaded'; redis: RedisLinkStatus };
  model: { name: string; version: string; variant: string } | null;
}

@ApiTags('health')
@Controller()
export class HealthController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly nlu: NluService,
    private readonly redis: SocketRedisLink,
  ) {}

  /** Liveness: the process answers. */
  @Get('health')
  @ApiOkResponse({ schema: { example: { status: 'ok' } } })
  health(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Readiness: the database answers and a model is loaded. 503 otherwise. Also reports the Redis link. */
  @Get('ready')
  @ApiOkResponse({ description: 'ready' })
  @ApiServiceUnavailableResponse({ description: 'database down or no model loaded' })
  async ready(@Res({ passthrough: true }) res: Response): Promise<ReadinessBody> {
    const database = await this.databaseUp();
    const info = this.nlu.modelInfo;
    const model = this.nlu.ready && info ? 'loaded' : 'not_loaded';
    // Without Redis an instance still serves its own sockets; failing readiness on every instance at once would
    // turn lost cross-instance delivery into an outage. So Redis is reported, not required.
    const ok = database === 'up' && model === 'loaded';
    res.status(ok ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return {
      status: ok ? 'ready' : 'not_ready',
      checks: { database, model, redis: this.redis.status },
      model: info ? { name: info.name, version: info.version, variant: info.variant } : null,
    };
  }

  private async databaseUp(): Promise<'up' | 'down'> {
    try {
      await Promise.race([
        this.dataSource.query('SELECT 1'),
        new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 2000).unref()),
      ]);
      return 'up';
    } catch {
      // A failed probe is the answer itself ("down"), not an error to report.
      return 'down';
    }
  }
}
