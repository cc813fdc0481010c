import { Logger } from '@nestjs/common';
import { statementKind, StructuredTypeOrmLogger } from './typeorm-logger';

describe('StructuredTypeOrmLogger', () => {
  afterEach(() => jest.restoreAllMocks());

  it('logs a failed query by SQLSTATE, constraint and statement kind, never its parameters or its SQL', () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const error = Object.assign(new Error('value too long for type character varying(10)'), { code: '22001', table: 'message' });
    new StructuredTypeOrmLogger().logQueryError(error, `INSERT INTO "message"("text") VALUES ($1)`);
    expect(warn).toHaveBeenCalledWith({ event: 'db.query_failed', code: '22001', constraint: undefined, table: 'message', statement: 'INSERT' });
    expect(JSON.stringify(warn.mock.calls)).not.toContain('VALUES');
  });

  it('logs a unique violation, which the repositories handle, at debug level only', () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const debug = jest.spyOn(Logger.prototype, 'debug').mockImplementation(() => undefined);
    const error = Object.assign(new Error('duplicate key value violates unique constraint'), { code: '23505', constraint: 'UQ_canned_response_short_code' });
    new StructuredTypeOrmLogger().logQueryError(error, 'UPDATE "canned_response" SET "short_code" = $1');
    expect(warn).not.toHaveBeenCalled();
    expect(debug).toHaveBeenCalledWith(expect.objectContaining({ code: '23505', constraint: 'UQ_canned_response_short_code', statement: 'UPDATE' }));
  });

  it('names the statement kind from its first keyword', () => {
    expect(statementKind('  with x as (select 1) select * from x')).toBe('WITH');
    expect(statementKind('')).toBe('UNKNOWN');
  });
});
