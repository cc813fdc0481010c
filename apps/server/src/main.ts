import 'reflect-metadata';
import { loadConfigOrExit } from '@app/config';
import { baseUrl, createApp } from './bootstrap';
import { PinoLoggerService } from '@app/logging';

async function main(): Promise<void> {
  // The only place that reads process.env; an invalid variable exits here, before Nest boots.
  const config = loadConfigOrExit(process.env);
  const logger = new PinoLoggerService(config.log.level);
  const app = await createApp(config, { logger });
  app.enableShutdownHooks();
  await app.listen(config.http.port, config.http.host);
  const url = await baseUrl(app);
  logger.pino.info({ event: 'listening', url, docs: `${url}/docs`, widgetNamespace: '/widget' });
  // For people: where to go. For scripts (the benchmark): a stable line to read the URL from.
  process.stdout.write(`\nParley is running at ${url}  (API docs: ${url}/docs, widget socket.io namespace: ${url}/widget)\n`);
  process.stdout.write(`PARLEY_READY ${JSON.stringify({ url, docs: `${url}/docs`, widget: `${url}/widget` })}\n`);
}

main().catch((error: unknown) => {
  const e = error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : { value: String(error) };
  process.stderr.write(`${JSON.stringify({ level: 'fatal', event: 'boot.failed', err: e })}\n`);
  process.exit(1);
});
