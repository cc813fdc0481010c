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

/** Reverts the applied migrations, newest first, up to and including `name`. */
async function revertThrough(ds: DataSource, name: string): Promise<void> {
  for (;;) {
    const [last] = await ds.query(`SELECT "name" FROM "migrations" ORDER BY "id" DESC LIMIT 1`);
    if (!last) throw new Error(`${name} is not applied`);
    await ds.undoLastMigration({ transaction: 'each' });
    if (last.name === name) return;
  }
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
    await revertThrough(ds, 'KbSearchVectorInline1796300000000');
    expect(await storage()).toBe('x');
    const body = Array.from({ length: 400 }, (_, i) => `word${i} refund${i % 7} delivery${i % 11}`).join(' ');
    await ds.query(`INSERT INTO "kb_article" ("slug", "title", "body", "source") VALUES ('long', 'Long article', $1, 'user')`, [body]);
    await ds.runMigrations({ transaction: 'each' });
    expect(await storage()).toBe('m');
    const hits = await ds.query(`SELECT "slug" FROM "kb_article" WHERE "search_vector" @@ to_tsquery('english', 'refund3')`);
    expect(hits.map((r: { slug: string }) => r.slug)).toEqual(['long']);
  });

  it('works out, for conversations stored before the owed-reply columns, which ones the bot still owes a reply', async () => {
    const ds = db.dataSource;
    await revertThrough(ds, 'ConversationOwedReply1796400000000');
    const conversation = async (status: string, botSinceSeq: number, authors: string[]): Promise<string> => {
      const [c]: Array<{ id: string }> = await ds.query(
        `INSERT INTO "conversation" ("token_hash", "status", "last_seq", "bot_since_seq") VALUES (md5(random()::text), $1, $2, $3) RETURNING "id"`,
        [status, authors.length, botSinceSeq],
      );
      let lastCustomer: string | null = null;
      for (const [i, author] of authors.entries()) {
        const [m]: Array<{ id: string }> = await ds.query(
          `INSERT INTO "message" ("conversation_id", "seq", "direction", "author", "text", "reply_to_id") VALUES ($1, $2, $3, $4, 'x', $5) RETURNING "id"`,
          [c.id, i + 1, author === 'customer' ? 'in' : 'out', author, author === 'bot' ? lastCustomer : null],
        );
        if (author === 'customer') lastCustomer = m.id;
      }
      return c.id;
    };
    const answered = await conversation('bot', 0, ['customer', 'bot']);
    const owed = await conversation('bot', 0, ['customer', 'bot', 'customer']);
    const owedBehindSystem = await conversation('bot', 0, ['customer', 'system']);
    const forHumans = await conversation('bot', 3, ['customer', 'agent', 'customer']);
    const withAgent = await conversation('agent', 0, ['customer']);
    await ds.runMigrations({ transaction: 'each' });
    const rows = await ds.query(`SELECT "id", "last_customer_seq", "answered_seq" FROM "conversation" WHERE "id" = ANY($1)`, [
      [answered, owed, owedBehindSystem, forHumans, withAgent],
    ]);
    const byId = new Map(rows.map((r: { id: string; last_customer_seq: number; answered_seq: number }) => [r.id, [r.last_customer_seq, r.answered_seq]]));
    expect(byId.get(answered)).toEqual([1, 1]);
    expect(byId.get(owed)).toEqual([3, 1]);
    expect(byId.get(owedBehindSystem)).toEqual([1, 0]);
    expect(byId.get(forHumans)).toEqual([3, 3]);
    expect(byId.get(withAgent)).toEqual([1, 0]);
    await ds.query(`DELETE FROM "conversation" WHERE "id" = ANY($1)`, [[answered, owed, owedBehindSystem, forHumans, withAgent]]);
  });

  it('gives an installation seeded before it the small-talk templates, leaving an intent that has one alone', async () => {
    const ds = db.dataSource;
    // Migrated empty: nothing inserted (boot seeds all of content/ into empty tables).
    expect(Number((await ds.query(`SELECT count(*) AS n FROM "answer_template"`))[0].n)).toBe(0);
    await revertThrough(ds, 'TemplateSourceParley1796500000000');
    await ds.query(`INSERT INTO "answer_template" ("intent", "name", "variants", "source") VALUES ('track_order', 'Track', '["On its way."]', 'bitext'), ('greet', 'Our hello', '["Howdy!"]', 'user')`);
    await ds.runMigrations({ transaction: 'each' });
    const rows: Array<{ intent: string; name: string; source: string; variants: string[] }> = await ds.query(`SELECT "intent", "name", "source", "variants" FROM "answer_template" ORDER BY "intent", "name"`);
    expect(rows.map((r) => [r.intent, r.source])).toEqual([
      ['affirm', 'parley'],
      ['bot_challenge', 'parley'],
      ['deny', 'parley'],
      ['goodbye', 'parley'],
      ['greet', 'user'],
      ['thank_you', 'parley'],
      ['track_order', 'bitext'],
    ]);
    expect(rows.find((r) => r.intent === 'greet')!.variants).toEqual(['Howdy!']);
    await ds.query(`DELETE FROM "answer_template"`);
  });

  it('gives an installation seeded before it the yes/no templates, and hands them to the operator when reverted', async () => {
    const ds = db.dataSource;
    await revertThrough(ds, 'TemplatesAffirmDeny1796600000000');
    await ds.query(`INSERT INTO "answer_template" ("intent", "name", "variants", "source") VALUES ('greet', 'Hello', '["Hi!"]', 'parley'), ('deny', 'Our no', '["Fine."]', 'user')`);
    await ds.runMigrations({ transaction: 'each' });
    const sources = async () => ((await ds.query(`SELECT "intent", "source" FROM "answer_template" ORDER BY "intent"`)) as Array<{ intent: string; source: string }>).map((r) => [r.intent, r.source]);
    expect(await sources()).toEqual([
      ['affirm', 'parley'],
      ['deny', 'user'],
      ['greet', 'parley'],
    ]);
    await revertThrough(ds, 'TemplatesAffirmDeny1796600000000');
    expect(await sources()).toEqual([
      ['affirm', 'user'],
      ['deny', 'user'],
      ['greet', 'parley'],
    ]);
    await ds.runMigrations({ transaction: 'each' });
    await ds.query(`DELETE FROM "answer_template"`);
  });
});
