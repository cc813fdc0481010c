import 'reflect-metadata';
import { INestApplication, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import type { HttpRequest as Request, HttpResponse as Response, NextFunction } from './http.types';
import type { AppConfig } from '@app/config';
import { ValidationFailedError } from '@app/contracts';
import { AppModule } from './app.module';
import { HttpExceptionFilter } from './filters/http-exception.filter';
import { WidgetIoAdapter } from './gateways/widget-io.adapter';
import { PinoLoggerService } from '@app/logging';
import { isOriginAllowed } from './security/origin-policy';
import { RateLimitService } from './security/rate-limit.service';
import { httpRateLimit, rejectInvalidBodies, securityHeaders } from './security/security-hooks';

export interface CreateAppOptions {
  /** Logger to use (tests pass a silent one). */
  logger?: PinoLoggerService;
}

/** Builds the configured Nest app (not listening). Shared by main.ts, the e2e tests and the benchmark. */
export async function createApp(config: AppConfig, options: CreateAppOptions = {}): Promise<NestExpressApplication> {
  const logger = options.logger ?? new PinoLoggerService(config.log.level);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), { logger, bodyParser: false });
  app.disable('x-powered-by');
  app.set('trust proxy', config.http.trustProxy);
  app.use(securityHeaders());
  // Before the body parsers: a rate-limited request is refused without reading its body.
  app.use(httpRateLimit(app.get(RateLimitService), config));
  app.useBodyParser('json', { limit: config.http.maxPayloadBytes });
  app.useBodyParser('urlencoded', { limit: config.http.maxPayloadBytes, extended: false });
  // Raw transcript uploads (POST /api/transcripts/import) have their own, larger limit.
  app.useBodyParser('text', { type: ['application/x-ndjson', 'application/jsonl', 'application/jsonlines', 'text/csv'], limit: config.training.transcriptMaxBytes });
  app.use(rejectInvalidBodies());
  const origins = config.http.corsOrigins;
  app.enableCors({ origin: (origin: string | undefined, cb: (e: Error | null, ok: boolean) => void) => cb(null, isOriginAllowed(origins, origin, undefined)) });
  app.use(requestLog(logger));
  app.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      exceptionFactory: (errors) => new ValidationFailedError(errors.flatMap((e) => Object.values(e.constraints ?? {})).join('; ') || 'Invalid request'),
    }),
  );
  app.useGlobalFilters(new HttpExceptionFilter());
  app.useWebSocketAdapter(new WidgetIoAdapter(app, config));
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder().setTitle('Parley chat server').setDescription('REST side of the chat server; the widget protocol is in docs/protocol.md').setVersion('0.1.0').addBearerAuth().build(),
  );
  SwaggerModule.setup('docs', app, document);
  await app.init();
  return app;
}

/** One JSON line per request with an id (taken from `x-request-id` or new); no bodies, no query strings. */
function requestLog(logger: PinoLoggerService) {
  return (req: Request, res: Response, next: NextFunction) => {
    const started = process.hrtime.bigint();
    const header = req.headers['x-request-id'];
    const requestId = typeof header === 'string' && /^[\w-]{1,64}$/.test(header) ? header : randomUUID();
    res.setHeader('x-request-id', requestId);
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      logger.pino.info({ event: 'http', requestId, method: req.method, path: req.path, status: res.statusCode, ms: Math.round(ms * 100) / 100 });
    });
    next();
  };
}

/** `http://host:port` of a listening app (`0.0.0.0` shown as `localhost`). */
export async function baseUrl(app: INestApplication): Promise<string> {
  const url = await app.getUrl();
  return url.replace('[::1]', 'localhost').replace('[::]', 'localhost').replace('0.0.0.0', 'localhost').replace('127.0.0.1', 'localhost');
}

