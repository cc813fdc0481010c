import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseHandle, embeddedThread, openDatabase, preparedQuery } from '@app/database';

/**
 * The embedded PGlite in its own worker thread (PGLITE_THREAD, the default): what TypeORM and the hot path's
 * named statements get from it is what they get from PGlite on the event loop, and the two paths into its one
 * session never interleave inside a transaction.
 */
jest.setTimeout(60_000);

const TYPED = `SELECT $1::text AS "text", 2 AS "int", 5::int8 AS "big", 1.5::real AS "real", '{"a":[1]}'::jsonb AS "json",
  ARRAY['x','y'] AS "arr", true AS "flag", NULL::text AS "none", '2026-01-02T03:04:05Z'::timestamptz AS "at"`;

describe('PGlite in a worker thread', () => {
  let threaded: DatabaseHandle;
  let inline: DatabaseHandle;

  beforeAll(async () => {
    [threaded, inline] = await Promise.all([
      openDatabase({ kind: 'pglite', dataDir: 'memory://', thread: true }, { migrate: true }),
      openDatabase({ kind: 'pglite', dataDir: 'memory://', thread: false }, { migrate: false }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([threaded?.close(), inline?.close()]);
  });

  it('returns the rows node-postgres returns, through TypeORM and through a named statement', async () => {
    const expected = await inline.dataSource.query(TYPED, ['héllo 👋']);
    expect(expected[0]).toMatchObject({ text: 'héllo 👋', int: 2, big: '5', real: 1.5, json: { a: [1] }, arr: ['x', 'y'], flag: true, none: null });
    expect(await threaded.dataSource.query(TYPED, ['héllo 👋'])).toEqual(expected);
    const thread = embeddedThread(threaded.dataSource)!;
    expect(thread).not.toBeNull();
    expect(embeddedThread(inline.dataSource)).toBeNull();
    expect(await thread.query('test.typed', TYPED, ['héllo 👋'])).toEqual(expected);
    // Prepared once, run again with other values.
    expect((await thread.query('test.typed', TYPED, ['again']))[0].text).toBe('again');
  });

  it('reports a refused statement with its SQLSTATE and stays usable', async () => {
    const thread = embeddedThread(threaded.dataSource)!;
    await expect(thread.query('test.bad', 'SELECT "nope"', [])).rejects.toMatchObject({ code: '42703' });
    await expect(threaded.dataSource.query('SELECT "nope"')).rejects.toMatchObject({ driverError: expect.objectContaining({ code: '42703' }) });
    expect(await thread.query('test.one', 'SELECT 1 AS "one"', [])).toEqual([{ one: 1 }]);
    expect(await threaded.dataSource.query('SELECT 1 AS "one"')).toEqual([{ one: 1 }]);
  });

  it('runs a group as one transaction: all of it, or none of it', async () => {
    const thread = embeddedThread(threaded.dataSource)!;
    await threaded.dataSource.query('CREATE TABLE "thread_probe" ("k" int PRIMARY KEY)');
    const insert = (k: number) => ({ name: 'test.probe_insert', text: 'INSERT INTO "thread_probe" ("k") VALUES ($1) RETURNING "k", txid_current()::text AS "tx"', values: [k] });
    const rows = await thread.group([insert(1), insert(2)]);
    expect(rows.map((r) => r[0].k)).toEqual([1, 2]);
    expect(rows[0][0].tx).toBe(rows[1][0].tx);
    await expect(thread.group([insert(3), insert(1), insert(4)])).rejects.toMatchObject({ code: '23505', index: 1 });
    expect((await threaded.dataSource.query('SELECT "k" FROM "thread_probe" ORDER BY "k"')).map((r: { k: number }) => r.k)).toEqual([1, 2]);
  });

  it('keeps named statements out of a TypeORM transaction until it ends', async () => {
    const thread = embeddedThread(threaded.dataSource)!;
    const runner = threaded.dataSource.createQueryRunner();
    await runner.startTransaction();
    try {
      const [{ tx }] = await runner.query('SELECT txid_current()::text AS "tx"');
      const outside = thread.query('test.txid', 'SELECT txid_current()::text AS "tx"', []);
      let settled = false;
      void outside.then(() => (settled = true));
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(settled).toBe(false);
      expect((await runner.query('SELECT txid_current()::text AS "tx"'))[0].tx).toBe(tx);
      await runner.commitTransaction();
      expect((await outside)[0].tx).not.toBe(tx);
    } finally {
      await runner.release();
    }
  });

  it('runs a named statement again after a migration changed the table under its plan', async () => {
    await threaded.dataSource.query('CREATE TABLE "thread_migrated" ("k" int)');
    await threaded.dataSource.query('INSERT INTO "thread_migrated" VALUES (7)');
    const all = () => preparedQuery(threaded.dataSource, 'test.migrated', 'SELECT * FROM "thread_migrated"', []);
    expect(await all()).toEqual([{ k: 7 }]);
    await threaded.dataSource.query('ALTER TABLE "thread_migrated" ADD COLUMN "note" text');
    expect(await all()).toEqual([{ k: 7, note: null }]);
  });

  it('rolls back a transaction whose client was dropped, instead of holding the session for ever', async () => {
    const thread = embeddedThread(threaded.dataSource)!;
    await threaded.dataSource.query('CREATE TABLE "thread_dropped" ("k" int)');
    const pool = (threaded.dataSource.driver as unknown as { master: { connect(): Promise<{ query(sql: string): Promise<unknown>; release(destroy?: boolean): void }> } }).master;
    const client = await pool.connect();
    await client.query('BEGIN');
    await client.query('INSERT INTO "thread_dropped" VALUES (1)');
    // A broken connection is destroyed by its owner (withClient): like a socket closing, its transaction must end.
    client.release(true);
    const rows = await Promise.race([
      thread.query('test.dropped', 'SELECT count(*)::int AS "n" FROM "thread_dropped"', []),
      new Promise((_, reject) => setTimeout(() => reject(new Error('the session is still held')), 5_000)),
    ]);
    expect(rows).toEqual([{ n: 0 }]);
    expect(await threaded.dataSource.query('SELECT count(*)::int AS "n" FROM "thread_dropped"')).toEqual([{ n: 0 }]);
  });

  it('keeps what it stored in its folder across a close and a reopen', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-pglite-thread-'));
    try {
      let db = await openDatabase({ kind: 'pglite', dataDir: dir, thread: true }, { migrate: true });
      await embeddedThread(db.dataSource)!.query('test.conv', `INSERT INTO "conversation" ("token_hash") VALUES ($1) RETURNING "id"`, ['kept']);
      await db.close();
      db = await openDatabase({ kind: 'pglite', dataDir: dir, thread: true }, { migrate: true });
      expect(await db.dataSource.query(`SELECT count(*)::int AS "n" FROM "conversation" WHERE "token_hash" = 'kept'`)).toEqual([{ n: 1 }]);
      // While it is open, the folder is refused to a second opener (in either mode), which would corrupt it.
      await expect(openDatabase({ kind: 'pglite', dataDir: dir, thread: true }, { migrate: false })).rejects.toMatchObject({ code: 'DB_DIR_LOCKED' });
      await expect(openDatabase({ kind: 'pglite', dataDir: dir, thread: false }, { migrate: false })).rejects.toMatchObject({ code: 'DB_DIR_LOCKED' });
      await db.close();
      await expect(embeddedThread(db.dataSource)!.query('test.one', 'SELECT 1', [])).rejects.toThrow(/closed/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
