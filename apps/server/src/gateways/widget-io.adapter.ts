import { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { ServerOptions } from 'socket.io';
import type { AppConfig } from '@app/config';

/**
 * socket.io with our limits: `maxHttpBufferSize` caps one packet (a bigger one closes that connection at the
 * transport, before any handler runs); CORS follows `CORS_ORIGINS`.
 */
export class WidgetIoAdapter extends IoAdapter {
  constructor(
    app: INestApplicationContext,
    private readonly config: AppConfig,
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: ServerOptions): unknown {
    const origins = this.config.http.corsOrigins;
    return super.createIOServer(port, {
      ...options,
      maxHttpBufferSize: this.config.http.maxPayloadBytes,
      cors: { origin: origins === '*' ? true : [...origins], credentials: false },
      connectTimeout: 10_000,
    } as ServerOptions);
  }
}
