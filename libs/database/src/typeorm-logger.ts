import { Logger } from '@nestjs/common';
import type { Logger as TypeOrmLogger } from 'typeorm';
import { isUniqueViolation } from './repositories/pg-errors';

/**
 * TypeORM's own logging, as structured records through the app's logger. Its console logger printed a failed query
 * with its parameters (a customer's message, an agent's reply) on stdout, past the PII redaction. This one logs what
 * failed (SQLSTATE, constraint, table, the statement's first keyword), never the values. A unique violation is
 * expected (the repositories catch it to answer "taken" or "duplicate"), so it is only a debug record.
 */
export class StructuredTypeOrmLogger implements TypeOrmLogger {
  private readonly logger = new Logger('Database');

  logQueryError(error: string | Error, query: string): void {
    const e = (typeof error === 'string' ? {} : error) as { code?: string; constraint?: string; table?: string };
    const record = { event: 'db.query_failed', code: e.code ?? 'UNKNOWN', constraint: e.constraint, table: e.table, statement: statementKind(query) };
    if (isUniqueViolation(error)) this.logger.debug(record);
    else this.logger.warn(record);
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    if (level === 'warn') this.logger.warn({ event: 'db.warning', message: String(message).slice(0, 200) });
  }

  logQuery(): void {}
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
}

/** `INSERT`, `UPDATE`, `WITH`…: what kind of statement failed, without any of its text after that. */
export function statementKind(query: string): string {
  return /^\s*([A-Za-z]+)/.exec(query)?.[1]?.toUpperCase() ?? 'UNKNOWN';
}
