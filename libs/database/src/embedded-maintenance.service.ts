import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@app/config';
import type { DataSource } from 'typeorm';
import { DatabaseHandle, isDatabaseUnavailable } from './data-source';
import { DATABASE_HANDLE } from './database.tokens';

/** What one maintenance pass did. */
export interface VacuumPass {
  /** Tables looked at, and those vacuumed / analyzed (a table can be both). */
  tables: number;
  vacuumed: number;
  analyzed: number;
  ms: number;
  /** The statement that took longest, and how long. */
  slowest: { table: string; ms: number } | null;
  /** True when shutdown began between two tables: the rest waits for the next pass. */
  interrupted: boolean;
}

/** A table's counters, as `pg_class` and `pg_stat_user_tables` keep them. */
export interface TableActivity {
  /** -1: never vacuumed or analyzed. */
  reltuples: number;
  deadTuples: number;
  insertedSinceVacuum: number;
  modifiedSinceAnalyze: number;
  /** Age of the table's oldest unfrozen transaction id. */
  xidAge: number;
}

/**
 * What autovacuum would do with the table, with PostgreSQL's default thresholds: vacuum after 50 + 20 % of its
 * rows died, or 1,000 + 20 % were inserted (so insert-mostly tables get their visibility map and frozen ids), or
 * when its oldest transaction id is 100 M transactions old (half of autovacuum_freeze_max_age: well before
 * wraparound); analyze after 50 + 10 % of its rows changed. A table never vacuumed nor analyzed gets both.
 */
export function maintenanceFor(t: TableActivity): { vacuum: boolean; analyze: boolean } {
  if (t.reltuples < 0) return { vacuum: true, analyze: true };
  return {
    vacuum: t.deadTuples > 50 + 0.2 * t.reltuples || t.insertedSinceVacuum > 1000 + 0.2 * t.reltuples || t.xidAge > 100_000_000,
    analyze: t.modifiedSinceAnalyze > 50 + 0.1 * t.reltuples,
  };
}

/**
 * Vacuums and analyzes the tables of one database that need it ({@link maintenanceFor}), one table per
 * statement, smallest first.
 *
 * PGlite runs PostgreSQL in single-user mode, which has no autovacuum. Without it nothing reclaims the row
 * versions an UPDATE leaves behind (every turn updates its conversation row, whose `updated_at` is indexed, so
 * the table and every one of its indexes grow by a row per message, for ever), the planner never gets
 * statistics, and nothing freezes old transaction ids before PostgreSQL's wraparound limit. Each statement holds
 * the embedded database's one session only for that table, so the hot path's statements run in between.
 */
export async function vacuumTables(dataSource: DataSource, shouldStop: () => boolean = () => false): Promise<VacuumPass> {
  const started = performance.now();
  const rows: Record<string, string | number>[] = await dataSource.query(
    `SELECT c.relname AS "name", c.reltuples::float8 AS "reltuples", age(c.relfrozenxid)::float8 AS "xidAge",
            coalesce(s.n_dead_tup, 0)::float8 AS "dead", coalesce(s.n_ins_since_vacuum, 0)::float8 AS "inserted",
            coalesce(s.n_mod_since_analyze, 0)::float8 AS "modified"
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
      WHERE n.nspname = current_schema() AND c.relkind = 'r' ORDER BY pg_total_relation_size(c.oid), c.relname`,
  );
  const pass: VacuumPass = { tables: 0, vacuumed: 0, analyzed: 0, ms: 0, slowest: null, interrupted: false };
  for (const row of rows) {
    if (shouldStop()) {
      pass.interrupted = true;
      break;
    }
    pass.tables++;
    const name = String(row.name);
    const todo = maintenanceFor({
      reltuples: Number(row.reltuples),
      deadTuples: Number(row.dead),
      insertedSinceVacuum: Number(row.inserted),
      modifiedSinceAnalyze: Number(row.modified),
      xidAge: Number(row.xidAge),
    });
    if (!todo.vacuum && !todo.analyze) continue;
    const table = `"${name.replace(/"/g, '""')}"`;
    const t = performance.now();
    await dataSource.query(todo.vacuum ? `VACUUM ${todo.analyze ? '(ANALYZE) ' : ''}${table}` : `ANALYZE ${table}`);
    const ms = Math.round(performance.now() - t);
    if (todo.vacuum) pass.vacuumed++;
    if (todo.analyze) pass.analyzed++;
    if (!pass.slowest || ms > pass.slowest.ms) pass.slowest = { table: name, ms };
  }
  pass.ms = Math.round(performance.now() - started);
  return pass;
}

/**
 * Every `PGLITE_VACUUM_INTERVAL_SECONDS` (default 600), {@link vacuumTables} on the embedded PGlite: the part of
 * autovacuum that single-user PostgreSQL lacks. Nothing on a PostgreSQL server, whose autovacuum does it.
 * One pass at a time; shutdown waits for the table in progress, not for the whole pass.
 */
@Injectable()
export class EmbeddedMaintenance implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Database');
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<VacuumPass | null> | null = null;
  private stopping = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(DATABASE_HANDLE) private readonly handle: DatabaseHandle,
  ) {}

  onApplicationBootstrap(): void {
    const db = this.config.database;
    const seconds = db.kind === 'pglite' ? (db.vacuumIntervalSeconds ?? 0) : 0;
    if (seconds <= 0) return;
    this.timer = setInterval(() => void this.tick(), seconds * 1000);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** One pass unless one is running (then that one's result); null when it failed (logged). */
  tick(): Promise<VacuumPass | null> {
    this.running ??= vacuumTables(this.handle.dataSource, () => this.stopping)
      .then((pass) => {
        if (pass.vacuumed + pass.analyzed > 0) this.logger.log({ event: 'database.vacuum', ...pass });
        return pass;
      })
      .catch((error: unknown) => {
        if (isDatabaseUnavailable(error)) this.logger.warn({ event: 'database.vacuum_skipped', reason: 'database unavailable' });
        else this.logger.error({ event: 'database.vacuum_failed', message: error instanceof Error ? error.message : String(error) });
        return null;
      })
      .finally(() => (this.running = null));
    return this.running;
  }
}
