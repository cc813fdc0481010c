import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { DatabaseHandle, openDatabase } from '@app/database';
import { DEFAULT_TEST_DATABASE_URL } from '@app/testing';

/**
 * The migrations against both engines: migrate an empty database, find no drift between the entities and the
 * migrated schema (what `migration:generate --check` checks), revert everything, migrate again.
 */
jest.setTimeout(180_000);

const TABLES = ['answer_template', 'conversation', 'feedback', 'kb_article', 'message', 'review_item', 'slot_state'];
const PG_URL = process.env.TEST_DATABASE_URL ?? DEFAULT_TEST_DATABASE_URL;
const SCRATCH_DB = `parley_migrations_${process.pid}`;

async function adminQuery(sql: string): Promise<void> {
  const client = new Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function appTables(ds: DataSource): Promise<string[]> {
  const rows = await ds.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename = ANY($1) ORDER BY tablename`, [TABLES]);
  return rows.map((r: { tablename: string }) => r.tablename);
}

describe.each([['pglite'], ['postgres']])('migrations on %s', (kind) => {
  let db: DatabaseHandle;

  beforeAll(async () => {
    if (kind === 'postgres') {
      await adminQuery(`DROP DATABASE IF EXISTS ${SCRATCH_DB}`);
      await adminQuery(`CREATE DATABASE ${SCRATCH_DB}`);
      const url = new URL(PG_URL);
      url.pathname = `/${SCRATCH_DB}`;
      db = await openDatabase({ kind: 'postgres', url: url.toString() }, { migrate: false, poolSize: 2 });
    } else {
      db = await openDatabase({ kind: 'pglite', dataDir: 'memory://' }, { migrate: false });
    }
  });

  afterAll(async () => {
    await db?.close();
    if (kind === 'postgres') await adminQuery(`DROP DATABASE IF EXISTS ${SCRATCH_DB}`);
  });

  it('migrates an empty database, matches the entities, reverts everything and migrates again', async () => {
    const ds = db.dataSource;
    expect(await appTables(ds)).toEqual([]);
    const applied = await ds.runMigrations({ transaction: 'each' });
    expect(applied.length).toBeGreaterThan(0);
    expect(await appTables(ds)).toEqual(TABLES);
    expect(await ds.showMigrations()).toBe(false);

    const drift = await ds.driver.createSchemaBuilder().log();
    expect(drift.upQueries.map((q) => q.query)).toEqual([]);

    for (let i = 0; i < applied.length; i++) await ds.undoLastMigration({ transaction: 'each' });
    expect(await appTables(ds)).toEqual([]);
    await ds.runMigrations({ transaction: 'each' });
    expect(await appTables(ds)).toEqual(TABLES);
  });

  it('keeps the article search vectors in their rows, also those stored before the migration', async () => {
    const ds = db.dataSource;
    const storage = async () =>
      (await ds.query(`SELECT attstorage FROM pg_attribute WHERE attrelid = 'kb_article'::regclass AND attname = 'search_vector'`))[0].attstorage;
    expect(await storage()).toBe('m');
    // An article stored under the old storage is rewritten by the migration and still found.
    await ds.undoLastMigration({ transaction: 'each' });
    expect(await storage()).toBe('x');
    const body = Array.from({ length: 400 }, (_, i) => `word${i} refund${i % 7} delivery${i % 11}`).join(' ');
    await ds.query(`INSERT INTO "kb_article" ("slug", "title", "body", "source") VALUES ('long', 'Long article', $1, 'user')`, [body]);
    await ds.runMigrations({ transaction: 'each' });
    expect(await storage()).toBe('m');
    const hits = await ds.query(`SELECT "slug" FROM "kb_article" WHERE "search_vector" @@ to_tsquery('english', 'refund3')`);
    expect(hits.map((r: { slug: string }) => r.slug)).toEqual(['long']);
  });
});
