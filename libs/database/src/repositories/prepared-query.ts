import type { DataSource } from 'typeorm';
import { embeddedThread, isDatabaseUnavailable } from '../data-source';

export type Row = Record<string, any>;

/** Runs one named statement (see {@link preparedQuery}) and returns its rows. */
export type Sql = (name: string, text: string, values: unknown[]) => Promise<Row[]>;

interface PgResult {
  rows: Row[];
  command: string;
}

interface PgClient {
  /** A simple query with several statements resolves to one result per statement. */
  query(config: { name: string; text: string; values: unknown[] } | string, values?: unknown[]): Promise<PgResult | PgResult[]>;
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
 * On the embedded PGlite in its thread the statement runs there directly (PgliteThread.query), one message each way.
 */
export async function preparedQuery(dataSource: DataSource, name: string, text: string, values: unknown[]): Promise<Row[]> {
  const thread = embeddedThread(dataSource);
  if (!thread) return onPool(poolOf(dataSource))(name, text, values);
  try {
    return await thread.query(name, text, values);
  } catch (error) {
    // The PGlite thread has dropped a stale plan (see onPool) and parses afresh.
    if (!isStalePlan(error)) throw error;
    return thread.query(name, text, values);
  }
}

/** Named statements (see {@link preparedQuery}), each on whichever connection of a node-postgres `pool` is free. */
export function onPool(pool: PgPool): Sql {
  return async (name, text, values) => {
    try {
      return await onPooledClient(pool, { name, text, values });
    } catch (error) {
      // A migration changed a table under a statement this session prepared (`RETURNING *` got a column): PostgreSQL
      // refuses the old plan. The pool runs it unprepared instead.
      if (!isStalePlan(error)) throw error;
      return onPooledClient(pool, text, values);
    }
  };
}

/**
 * One statement on a pooled connection, which goes back to the pool unless the connection itself failed.
 * `pool.query` would destroy the connection after any error, a unique violation included: harmless on a server
 * (the pool opens another), but on PGlite the pool's one connection is the embedded database's only session, and
 * the next statements on it fail ("Connection terminated unexpectedly").
 */
function onPooledClient(pool: PgPool, config: { name: string; text: string; values: unknown[] } | string, values?: unknown[]): Promise<Row[]> {
  return withClient(pool, async (client) => single(typeof config === 'string' ? await client.query(config, values) : await client.query(config)).rows);
}

/**
 * Runs `work` on one pooled connection and gives it back, destroyed instead when it broke: it emitted 'error'
 * (without a listener that crashes Node), a statement found the server unreachable, or `work` set `conn.broken`.
 */
async function withClient<T>(pool: PgPool, work: (client: PgClient, conn: { broken?: Error }) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  const conn: { broken?: Error } = {};
  const onError = (error: Error) => (conn.broken = error);
  client.on('error', onError);
  try {
    return await work(client, conn);
  } catch (error) {
    if (isDatabaseUnavailable(error)) conn.broken ??= error as Error;
    throw error;
  } finally {
    client.off('error', onError);
    client.release(conn.broken ?? false);
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

const single = (r: PgResult | PgResult[]): PgResult => (Array.isArray(r) ? r[r.length - 1] : r);

/**
 * Runs `work` in one transaction on one pooled connection, with named statements (see {@link preparedQuery}).
 * `work` returning normally commits; a COMMIT that PostgreSQL turned into a rollback (a statement failed inside
 * and was caught) throws. A connection that broke is destroyed, not returned to the pool.
 *
 * `begin` opens the transaction: `BEGIN`, or `BEGIN; <one statement>` (a simple query, values inlined) to run that
 * first statement in the same round trip; `work` gets its rows.
 */
export function inTransaction<T>(pool: PgPool, work: (sql: Sql, begun: Row[]) => Promise<T>, begin = 'BEGIN'): Promise<T> {
  return withClient(pool, async (client, conn) => {
    try {
      const begun = single(await client.query(begin)).rows;
      const value = await work(async (name, text, values) => single(await client.query({ name, text, values })).rows, begun);
      const done = single(await client.query('COMMIT'));
      if (done.command !== 'COMMIT') throw new Error('The transaction was rolled back: a statement in it failed');
      return value;
    } catch (error) {
      if (!conn.broken) await client.query('ROLLBACK').catch((e: Error) => (conn.broken = e));
      // Its prepared statements are stale (see preparedQuery): drop the connection, the next one prepares afresh.
      if (isStalePlan(error)) conn.broken ??= error as Error;
      throw error;
    }
  });
}

interface Queued {
  name: string;
  text: string;
  values: unknown[];
  resolve(rows: Row[]): void;
  reject(error: unknown): void;
}

/** Statements one group commit runs at most. */
const GROUP_COMMIT_MAX = 64;

/**
 * Group commit for the embedded PGlite: statements issued while the previous group commits (or in the same tick)
 * run together in one transaction, and each caller's promise settles once that transaction committed. On PGlite a
 * commit costs several times a statement (its WAL goes through the WASM file system), and there is only one
 * session, so under load one commit per message, not the statements, is what bounds messages/s.
 *
 * Statements of one group see each other's writes in call order, exactly as if they had run one after another.
 * When any statement of a group fails, nothing of the group is kept and each statement is run again on its own, so
 * one caller's error (a unique violation, say) never fails another's write. A statement must therefore be safe
 * to run again after a rollback, as every single-statement write is.
 */
export class GroupCommit {
  private queue: Queued[] = [];
  private flushing = false;

  constructor(private readonly dataSource: DataSource) {}

  readonly sql: Sql = (name, text, values) =>
    new Promise<Row[]>((resolve, reject) => {
      this.queue.push({ name, text, values, resolve, reject });
      if (!this.flushing) {
        this.flushing = true;
        setImmediate(() => void this.flush());
      }
    });

  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      const group = this.queue.splice(0, GROUP_COMMIT_MAX);
      if (group.length === 1) await this.runAlone(group[0]);
      else await this.runGroup(group);
    }
    this.flushing = false;
  }

  private async runGroup(group: Queued[]): Promise<void> {
    let results: Row[][];
    try {
      // In PGlite's thread the whole group is one batch there (one implicit transaction); else BEGIN … COMMIT here.
      const thread = embeddedThread(this.dataSource);
      results = thread
        ? await thread.group(group)
        : await inTransaction(poolOf(this.dataSource), async (sql) => {
            const out: Row[][] = [];
            for (const q of group) out.push(await sql(q.name, q.text, q.values));
            return out;
          });
    } catch {
      for (const q of group) await this.runAlone(q);
      return;
    }
    group.forEach((q, i) => q.resolve(results[i]));
  }

  private async runAlone(q: Queued): Promise<void> {
    try {
      q.resolve(await preparedQuery(this.dataSource, q.name, q.text, q.values));
    } catch (error) {
      q.reject(error);
    }
  }
}
