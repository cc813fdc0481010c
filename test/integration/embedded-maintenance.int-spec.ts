import type { AppConfig } from '@app/config';
import { DatabaseHandle, EmbeddedMaintenance, openDatabase, vacuumTables } from '@app/database';

/**
 * The embedded PGlite has no autovacuum (single-user PostgreSQL): the server's own maintenance pass is what keeps
 * an often-updated table from growing for ever and gives the planner statistics.
 */
jest.setTimeout(60_000);

describe('vacuum of the embedded PGlite (real PGlite in its thread)', () => {
  let db: DatabaseHandle;
  const size = async () => Number((await db.dataSource.query(`SELECT pg_relation_size('churn') AS "bytes"`))[0].bytes);
  const reltuples = async () => Number((await db.dataSource.query(`SELECT reltuples FROM pg_class WHERE relname = 'churn'`))[0].reltuples);
  const churn = async (times: number) => {
    for (let i = 0; i < times; i++) await db.dataSource.query(`UPDATE "churn" SET "v" = "v" + 1`);
  };

  beforeAll(async () => {
    db = await openDatabase({ kind: 'pglite', dataDir: 'memory://', thread: true }, { migrate: true });
    await db.dataSource.query(`CREATE TABLE "churn" ("k" int PRIMARY KEY, "v" int NOT NULL)`);
    await db.dataSource.query(`INSERT INTO "churn" SELECT g, 0 FROM generate_series(1, 1000) g`);
  });

  afterAll(async () => {
    await db?.close();
  });

  it('lets a table that is updated over and over reuse its space instead of growing, and analyzes it', async () => {
    await churn(10);
    const before = await size();
    // Without a vacuum, ten more full-table updates need as much space again.
    await churn(10);
    const grown = await size();
    expect(grown).toBeGreaterThan(before * 1.5);
    expect(await reltuples()).toBe(-1); // never analyzed

    const pass = await vacuumTables(db.dataSource);
    expect(pass.tables).toBeGreaterThan(10); // the migrated tables and ours, all never vacuumed nor analyzed
    expect(pass).toMatchObject({ vacuumed: pass.tables, analyzed: pass.tables, interrupted: false });
    expect(await reltuples()).toBe(1000);

    await churn(10);
    expect(await size()).toBe(grown);
  });

  it('leaves alone the tables nothing changed in, and comes back to one once enough of it did', async () => {
    // PostgreSQL publishes a session's table counters at most once a second.
    const flushStats = async () => {
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      await db.dataSource.query('SELECT 1');
    };
    await flushStats();
    expect((await vacuumTables(db.dataSource)).vacuumed).toBe(1); // what the last test's churn left
    expect(await vacuumTables(db.dataSource)).toMatchObject({ vacuumed: 0, analyzed: 0 });
    await db.dataSource.query(`UPDATE "churn" SET "v" = "v" + 1 WHERE "k" <= 20`); // 20 rows: under 50 + 20 %
    await flushStats();
    expect(await vacuumTables(db.dataSource)).toMatchObject({ vacuumed: 0, analyzed: 0 });
    await churn(1);
    await flushStats();
    expect(await vacuumTables(db.dataSource)).toMatchObject({ vacuumed: 1, analyzed: 1, slowest: { table: 'churn' } });
  });

  it('stops between two tables when told to (shutdown)', async () => {
    let asked = 0;
    const pass = await vacuumTables(db.dataSource, () => asked++ > 0);
    expect(pass).toMatchObject({ tables: 1, interrupted: true });
  });

  it('runs on its interval on PGlite, one pass at a time, and not at all on a PostgreSQL server', async () => {
    const config = (kind: 'pglite' | 'postgres', seconds: number) =>
      ({ database: kind === 'pglite' ? { kind, dataDir: 'memory://', vacuumIntervalSeconds: seconds } : { kind, url: 'postgres://x/y' } }) as unknown as AppConfig;
    const maintenance = new EmbeddedMaintenance(config('pglite', 1), db);
    const first = maintenance.tick();
    expect(maintenance.tick()).toBe(first); // a second tick while one runs joins it
    expect((await first)?.interrupted).toBe(false);

    const spy = jest.spyOn(maintenance, 'tick');
    maintenance.onApplicationBootstrap();
    await new Promise((resolve) => setTimeout(resolve, 1_600));
    await maintenance.beforeApplicationShutdown();
    expect(spy).toHaveBeenCalled();

    const onServer = new EmbeddedMaintenance(config('postgres', 1), { ...db, kind: 'postgres' });
    const serverSpy = jest.spyOn(onServer, 'tick');
    onServer.onApplicationBootstrap();
    await new Promise((resolve) => setTimeout(resolve, 1_300));
    await onServer.beforeApplicationShutdown();
    expect(serverSpy).not.toHaveBeenCalled();
  });
});
