import type { DataSource } from 'typeorm';

type Row = Record<string, any>;

interface PgPool {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: Row[] }>;
}

/**
 * Runs a statement of the per-message hot path as a named prepared statement on the driver's pool (node-postgres
 * keeps it per connection): PostgreSQL parses it once per connection and, after a few runs, reuses a generic
 * plan. Planning the turn's CTEs cost more than running them, and on PGlite every millisecond of it is spent on
 * the event loop. TypeORM's `query()` has no way to name a statement, hence the pool.
 *
 * `name` must be unique per `text` across the process. Errors are node-postgres errors (`code` on the error
 * itself, not under `driverError`). Use outside transactions only: it takes its own pooled connection.
 */
export async function preparedQuery(dataSource: DataSource, name: string, text: string, values: unknown[]): Promise<Row[]> {
  const pool = (dataSource.driver as unknown as { master: PgPool }).master;
  const result = await pool.query({ name, text, values });
  return result.rows;
}
