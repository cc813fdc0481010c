import type { DataSource } from 'typeorm';

export type Row = Record<string, any>;

/** Runs one named statement (see {@link preparedQuery}) and returns its rows. */
export type Sql = (name: string, text: string, values: unknown[]) => Promise<Row[]>;

interface PgClient {
  query(config: { name: string; text: string; values: unknown[] } | string): Promise<{ rows: Row[]; command: string }>;
  on(event: 'error', listener: (error: Error) => void): unknown;
  off(event: 'error', listener: (error: Error) => void): unknown;
  release(destroy?: Error | boolean): void;
}

export interface PgPool {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: Row[] }>;
  connect(): Promise<PgClient>;
}

const poolOf = (dataSource: DataSource) => (dataSource.driver as unknown as { master: PgPool }).master;

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
  const pool = poolOf(dataSource);
  try {
    return (await pool.query({ name, text, values })).rows;
  } catch (error) {
    // A migration run by another instance changed a table under a statement this connection prepared (`RETURNING *`
    // got a column): PostgreSQL refuses the old plan on that connection; run it unprepared instead.
    if (!isStalePlan(error)) throw error;
    return (await (pool as unknown as { query(text: string, values: unknown[]): Promise<{ rows: Row[] }> }).query(text, values)).rows;
  }
}

function isStalePlan(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  return e?.code === '0A000' && /cached plan must not change result type/.test(e.message ?? '');
}

/** {@link preparedQuery} bound to a data source: each statement on whichever pooled connection is free. */
export function poolSql(dataSource: DataSource): Sql {
  return (name, text, values) => preparedQuery(dataSource, name, text, values);
}

/**
 * Runs `work` in one transaction on one pooled connection, with named statements (see {@link preparedQuery}).
 * `work` returning normally commits; a COMMIT that PostgreSQL turned into a rollback (a statement failed inside
 * and was caught) throws. A connection that broke is destroyed, not returned to the pool.
 */
export async function inTransaction<T>(pool: PgPool, work: (sql: Sql) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  // A checked-out connection that drops emits 'error' on the client; without a listener that crashes Node.
  const onError = (error: Error) => (broken = error);
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    const value = await work(async (name, text, values) => (await client.query({ name, text, values })).rows);
    const done = await client.query('COMMIT');
    if (done.command !== 'COMMIT') throw new Error('The transaction was rolled back: a statement in it failed');
    return value;
  } catch (error) {
    if (!broken) await client.query('ROLLBACK').catch((e: Error) => (broken = e));
    // Its prepared statements are stale (see preparedQuery): drop the connection, the next one prepares afresh.
    if (isStalePlan(error)) broken ??= error as Error;
    throw error;
  } finally {
    client.off('error', onError);
    client.release(broken ?? false);
  }
}
