import 'reflect-metadata';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { Logger } from '@nestjs/common';
import type { PGlite } from '@electric-sql/pglite';
import { DataSource, DataSourceOptions } from 'typeorm';
import type { AppConfig } from '@app/config';
import { MIGRATIONS } from '../../../migrations';
import { ENTITIES } from './entities';
import { StructuredTypeOrmLogger } from './typeorm-logger';
import { lockDataDir } from './data-dir-lock';
import { PgliteThread, pgliteThreadPgConfig } from './pglite-thread';

interface PgliteModules {
  PGlite: { create(dataDir: string): Promise<PGlite> };
  createPgConfig(db: PGlite): Record<string, unknown>;
}

/**
 * PGlite and its node-postgres adapter. Jest's vm contexts cannot run PGlite's internal dynamic import(), so
 * the jest environment (libs/testing) loads it in the outer realm and passes it in through a global.
 * The adapter is reachable only through an `exports` subpath, invisible to `moduleResolution: node` types.
 */
function pgliteModules(): PgliteModules {
  const outer = (globalThis as { __PARLEY_OUTER_PGLITE__?: PgliteModules }).__PARLEY_OUTER_PGLITE__;
  if (outer) return outer;
  /* eslint-disable @typescript-eslint/no-require-imports */
  return {
    PGlite: require('@electric-sql/pglite').PGlite,
    createPgConfig: require('@electric-sql/pglite/node-postgres').createPgConfig,
  };
  /* eslint-enable @typescript-eslint/no-require-imports */
}

const poolLogger = new Logger('Database');
const EMBEDDED = new WeakSet<DataSource>();
const THREADS = new WeakMap<DataSource, PgliteThread>();

/** The thread the embedded PGlite runs in, when it runs in one (PGLITE_THREAD): the hot path's statements go there directly. */
export function embeddedThread(dataSource: DataSource): PgliteThread | null {
  return THREADS.get(dataSource) ?? null;
}

/**
 * Whether this is the embedded PGlite: one process, one session. Only this process can open it, so per-conversation
 * order needs no database lock there (and holding its only connection through a turn would stall every query).
 */
export function isEmbeddedDatabase(dataSource: DataSource): boolean {
  return EMBEDDED.has(dataSource);
}

// SQLSTATE classes 08 (connection exception) and 57P0x (server shutting down / starting up / cannot connect now).
const UNAVAILABLE_SQLSTATE = /^(08\d{3}|57P0[1-4])$/;
const UNAVAILABLE_NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
const UNAVAILABLE_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection ended unexpectedly|the database system is (starting up|shutting down)/i;

/**
 * Whether an error means "PostgreSQL is not reachable right now" (refused, dropped, restarting) rather than a
 * problem with the statement: such a failure is worth retrying later and is reported as DB_UNAVAILABLE.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  return errorChain(error).some(
    (e) =>
      (typeof e.code === 'string' && (UNAVAILABLE_SQLSTATE.test(e.code) || UNAVAILABLE_NODE_CODES.has(e.code))) ||
      (typeof e.message === 'string' && UNAVAILABLE_MESSAGES.test(e.message)),
  );
}

/** The error and the driver errors TypeORM wrapped it around (QueryFailedError.driverError), outermost first. */
function errorChain(error: unknown): Array<{ code?: unknown; message?: unknown }> {
  const chain: Array<{ code?: unknown; message?: unknown }> = [];
  for (let e = error as { code?: unknown; message?: unknown; driverError?: unknown } | undefined; e && chain.length < 3; e = e.driverError as typeof e) chain.push(e);
  return chain;
}

/**
 * Whether an error is pg-pool's "waited too long for a free connection": every pooled connection was busy for the
 * whole checkout timeout. That is overload of this instance, not an outage (an unreachable server fails its
 * connect with ECONNREFUSED or "Connection terminated due to connection timeout" instead).
 */
export function isPoolCheckoutTimeout(error: unknown): boolean {
  return errorChain(error).some((e) => typeof e.message === 'string' && e.message.includes('timeout exceeded when trying to connect'));
}

/** An open database: the TypeORM DataSource plus whatever must be closed with it (the embedded PGlite). */
export interface DatabaseHandle {
  readonly dataSource: DataSource;
  readonly kind: 'pglite' | 'postgres';
  close(): Promise<void>;
}

const common = {
  type: 'postgres',
  entities: ENTITIES,
  migrations: MIGRATIONS,
  // Never let TypeORM touch the schema: migrations are the only writer, in tests too.
  synchronize: false,
  migrationsTransactionMode: 'each',
  // gen_random_uuid() is built into PostgreSQL ≥ 13; no extension to install (PGlite has none loaded).
  uuidExtension: 'pgcrypto',
  installExtensions: false,
  // Failed queries only, as structured records without their parameters (customer text).
  logging: ['error'],
  logger: new StructuredTypeOrmLogger(),
} as const;

/**
 * One factory for the app, the tests and the migration CLI: PGlite in `dataDir` when the config has no
 * DATABASE_URL, PostgreSQL otherwise. Connects, and runs pending migrations when `migrate` is true.
 */
export async function openDatabase(database: AppConfig['database'], options: { migrate?: boolean; poolSize?: number } = {}): Promise<DatabaseHandle> {
  const handle = database.kind === 'pglite' ? await openPglite(database.dataDir, database.thread === true) : openPostgres(database.url, options.poolSize ?? database.poolSize, database.idleTimeoutSeconds);
  try {
    await handle.dataSource.initialize();
    if (options.migrate !== false) await handle.dataSource.runMigrations({ transaction: 'each' });
  } catch (error) {
    await handle.close();
    throw error;
  }
  return handle;
}

function openPostgres(url: string, poolSize = 10, idleTimeoutSeconds = 300): DatabaseHandle {
  const dataSource = new DataSource({
    ...common,
    url,
    poolSize,
    // An idle pooled connection that PostgreSQL drops (restart, failover) emits 'error' on the pool; unhandled, that
    // would crash the process. The pool discards that connection and opens a new one on the next query.
    poolErrorHandler: (error: Error) => poolLogger.warn({ event: 'database.pool_error', message: error.message, code: (error as { code?: string }).code }),
    extra: {
      // Fail a checkout instead of waiting forever while PostgreSQL is unreachable; the caller maps it to DB_UNAVAILABLE.
      connectionTimeoutMillis: 5_000,
      keepAlive: true,
      // 0 keeps idle connections open (pg-pool's default would close them after 10 s).
      idleTimeoutMillis: idleTimeoutSeconds * 1000,
    },
  } as unknown as DataSourceOptions);
  return {
    dataSource,
    kind: 'postgres',
    close: async () => {
      if (dataSource.isInitialized) await dataSource.destroy();
    },
  };
}

/**
 * The embedded database, in a worker thread (`thread`) or on this thread. PGlite is a single session: behind a
 * node-postgres pool of exactly one connection TypeORM gets real transactions (a transaction holds the only
 * connection, other queries queue behind it).
 */
async function openPglite(dataDir: string, thread: boolean): Promise<DatabaseHandle> {
  const inMemory = dataDir.startsWith('memory://');
  const dir = inMemory ? dataDir : resolve(dataDir);
  if (!inMemory) mkdirSync(dir, { recursive: true });
  // One process per folder: a second one would corrupt it (data-dir-lock.ts).
  const unlock = inMemory ? () => undefined : lockDataDir(dir);
  let pg: Record<string, unknown>;
  let pglite: { closed: boolean; close(): Promise<void> };
  let inThread: PgliteThread | null = null;
  try {
    if (thread) {
      inThread = await PgliteThread.open(dir);
      pg = pgliteThreadPgConfig(inThread);
      pglite = inThread;
    } else {
      const { PGlite, createPgConfig } = pgliteModules();
      const db = await PGlite.create(dir);
      pg = { ...createPgConfig(db), max: 1 };
      pglite = db;
    }
  } catch (error) {
    unlock();
    throw error;
  }
  const dataSource = new DataSource({ ...common, poolSize: 1, extra: pg } as unknown as DataSourceOptions);
  EMBEDDED.add(dataSource);
  if (inThread) THREADS.set(dataSource, inThread);
  return {
    dataSource,
    kind: 'pglite',
    close: async () => {
      try {
        if (dataSource.isInitialized) await dataSource.destroy();
        if (!pglite.closed) await pglite.close();
      } finally {
        unlock();
      }
    },
  };
}
