export { PinoLoggerService } from './pino-logger.service';
export { redact, redactDeep, REDACTED } from './redact';
