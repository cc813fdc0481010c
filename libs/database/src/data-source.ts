import 'reflect-metadata';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { DataSource, DataSourceOptions } from 'typeorm';
import type { AppConfig } from '@app/config';
import { MIGRATIONS } from '../../../migrations';
import { ENTITIES } from './entities';

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
  logging: ['error'],
} as const;

/**
 * One factory for the app, the tests and the migration CLI: PGlite in `dataDir` when the config has no
 * DATABASE_URL, PostgreSQL otherwise. Connects, and runs pending migrations when `migrate` is true.
 */
export async function openDatabase(database: AppConfig['database'], options: { migrate?: boolean; poolSize?: number } = {}): Promise<DatabaseHandle> {
  const handle = database.kind === 'pglite' ? await openPglite(database.dataDir) : openPostgres(database.url, options.poolSize);
  try {
    await handle.dataSource.initialize();
    if (options.migrate !== false) await handle.dataSource.runMigrations({ transaction: 'each' });
  } catch (error) {
    await handle.close();
    throw error;
  }
  return handle;
}

function openPostgres(url: string, poolSize = 10): DatabaseHandle {
  const dataSource = new DataSource({ ...common, url, poolSize } as unknown as DataSourceOptions);
  return {
    dataSource,
    kind: 'postgres',
    close: async () => {
      if (dataSource.isInitialized) await dataSource.destroy();
    },
  };
}

async function openPglite(dataDir: string): Promise<DatabaseHandle> {
  const dir = dataDir.startsWith('memory://') ? dataDir : resolve(dataDir);
  if (!dir.startsWith('memory://')) mkdirSync(dir, { recursive: true });
  const { PGlite, createPgConfig } = pgliteModules();
  const pglite = await PGlite.create(dir);
  // PGlite is a single session. Its node-postgres adapter behind a pool of exactly one connection gives
  // TypeORM real transactions: a transaction holds the only connection, other queries queue behind it.
  const dataSource = new DataSource({ ...common, poolSize: 1, extra: { ...createPgConfig(pglite), max: 1 } } as unknown as DataSourceOptions);
  return {
    dataSource,
    kind: 'pglite',
    close: async () => {
      if (dataSource.isInitialized) await dataSource.destroy();
      if (!pglite.closed) await pglite.close();
    },
  };
}
