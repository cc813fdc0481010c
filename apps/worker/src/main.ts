import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { loadConfigOrExit } from '@app/config';
import { JobWorkerService } from '@app/registry';
import { PinoLoggerService } from '@app/logging';
import { WorkerAppModule } from './worker-app.module';

/**
 * `npm run worker`: takes training jobs from the PostgreSQL queue (several workers may run, on other machines,
 * e.g. one with a GPU). Not for the embedded PGlite: its files cannot be opened by a second process, so there the
 * server runs the worker itself (WORKER_MODE=embedded).
 */
async function main(): Promise<void> {
  const config = loadConfigOrExit(process.env);
  const logger = new PinoLoggerService(config.log.level);
  if (config.database.kind !== 'postgres') {
    logger.pino.fatal({ event: 'worker.refused', reason: 'DATABASE_URL is empty: the embedded PGlite database cannot be shared; the server runs jobs itself (WORKER_MODE=embedded)' });
    process.exit(78);
  }
  const app = await NestFactory.createApplicationContext(WorkerAppModule.forRoot(config), { logger });
  app.enableShutdownHooks();
  await app.init();
  const worker = app.get(JobWorkerService);
  process.stdout.write(`PARLEY_WORKER_READY ${JSON.stringify({ workerId: worker.workerId })}\n`);
}

main().catch((error: unknown) => {
  const e = error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : { value: String(error) };
  process.stderr.write(`${JSON.stringify({ level: 'fatal', event: 'worker.boot_failed', err: e })}\n`);
  process.exit(1);
});
