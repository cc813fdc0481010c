import { LoggerService } from '@nestjs/common';
import pino, { Logger } from 'pino';
import type { LogLevel } from '@app/config';
import { redactDeep } from './redact';

/**
 * Fields dropped from every record whatever they hold: credentials and message texts. `*.x` covers one level of
 * nesting (`{ req: { authorization } }`); deeper secrets are still caught by `redact()` when they look like one.
 */
/** Request headers that carry a credential (the REST channel's conversation token is one). */
const HEADER_PATHS = ['headers.authorization', 'headers.cookie', 'headers["x-parley-conversation-token"]'];

export const REDACT_PATHS = [
  'token',
  'text',
  'authorization',
  'password',
  'passwordHash',
  'secret',
  'cookie',
  'apiKey',
  'refreshToken',
].flatMap((key) => [key, `*.${key}`]).concat(HEADER_PATHS.flatMap((path) => [path, `*.${path}`]));

/**
 * Nest's logger, writing one JSON line per event through pino. Libraries log objects
 * (`logger.log({ event: 'turn', route, ... })`); those fields become top-level JSON keys.
 * Message texts never reach the logs at info level: callers log lengths, intents, routes and latencies.
 */
export class PinoLoggerService implements LoggerService {
  readonly pino: Logger;

  constructor(level: LogLevel, destination?: pino.DestinationStream) {
    this.pino = pino(
      {
        level,
        base: { service: 'parley-server' },
        timestamp: pino.stdTimeFunctions.isoTime,
        formatters: { level: (label) => ({ level: label }) },
        // Every argument of every record goes through redact() before pino sees it (pino derives `msg` from an
        // `err` itself, so a formatter on the finished record would be too late): emails, phones, cards, IBANs and
        // URL passwords never reach a log.
        hooks: {
          logMethod(args, method) {
            method.apply(this, args.map((a) => redactDeep(a)) as Parameters<typeof method>);
          },
        },
        redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      },
      destination,
    );
  }

  log(message: unknown, ...rest: unknown[]): void {
    this.write('info', message, rest);
  }

  error(message: unknown, ...rest: unknown[]): void {
    // Nest passes (message, stack, context); libraries pass (object, context).
    const context = rest.length > 0 ? rest[rest.length - 1] : undefined;
    const stack = rest.length > 1 && typeof rest[0] === 'string' ? rest[0] : undefined;
    this.emit('error', message, typeof context === 'string' ? context : undefined, stack ? { stack } : {});
  }

  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }

  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }

  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('trace', message, rest);
  }

  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }

  private write(level: pino.Level, message: unknown, rest: unknown[]): void {
    const context = rest.length > 0 && typeof rest[rest.length - 1] === 'string' ? (rest[rest.length - 1] as string) : undefined;
    this.emit(level, message, context, {});
  }

  private emit(level: pino.Level, message: unknown, context: string | undefined, extra: Record<string, unknown>): void {
    if (message !== null && typeof message === 'object' && !(message instanceof Error)) {
      this.pino[level]({ context, ...extra, ...(message as Record<string, unknown>) });
    } else if (message instanceof Error) {
      this.pino[level]({ context, ...extra, err: { name: message.name, message: message.message, stack: message.stack } });
    } else {
      this.pino[level]({ context, ...extra }, String(message));
    }
  }
}
