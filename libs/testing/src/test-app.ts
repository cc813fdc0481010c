import { mkdtempSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DataSource } from 'typeorm';
import { AppConfig, loadConfig } from '@app/config';
import { TurnService } from '@app/conversation';
import { baseUrl, createApp } from '../../../apps/server/src/bootstrap';
import { PinoLoggerService } from '@app/logging';

export type TestDatabase = 'pglite' | 'postgres';

export const DEFAULT_TEST_DATABASE_URL = 'postgres://parley:parley@127.0.0.1:5432/parley_test';

/** The model our pipeline trained; tests fail loudly, never skip, without it. */
export function requireModelDir(): string {
  const dir = resolve(process.env.PARLEY_MODEL_DIR ?? 'models/default');
  if (!existsSync(join(dir, 'manifest.json'))) {
    throw new Error(`No trained model at ${dir}: run scripts/ensure-model.sh first (./scripts/test.sh does).`);
  }
  return dir;
}

/** A temp dir for one PGlite database; removed by `removeDir`. */
export function makePgliteDir(): string {
  return mkdtempSync(join(tmpdir(), 'parley-pglite-'));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export interface TestApp {
  app: NestExpressApplication;
  url: string;
  config: AppConfig;
  dataSource: DataSource;
  /** Waits until every queued bot turn has been answered (or skipped). */
  drainTurns(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Boots the real AppModule on `app.listen(0)` with the real model, against PGlite in `pgliteDir` or the
 * PostgreSQL at TEST_DATABASE_URL. `env` adds or overrides variables (thresholds, limits); `options.logger`
 * replaces the silent logger (a test that reads the log lines passes one writing to memory).
 */
export async function bootTestApp(
  db: { kind: TestDatabase; pgliteDir?: string },
  env: Record<string, string> = {},
  options: { logger?: PinoLoggerService } = {},
): Promise<TestApp> {
  const modelDir = requireModelDir();
  // A PGlite dir made here is removed on close; one passed in belongs to the caller (restart tests reuse it).
  const ownDir = db.kind === 'pglite' && !db.pgliteDir ? makePgliteDir() : null;
  // Training jobs export models and write checkpoints and snapshots; a test's go to a temp dir, removed on close.
  const jobsDir = env.MODELS_DIR || env.TRAINING_WORK_DIR ? null : mkdtempSync(join(tmpdir(), 'parley-jobs-'));
  const config = loadConfig({
    PARLEY_MODEL_DIR: modelDir,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    HOST: '127.0.0.1',
    PORT: '0',
    // Every test client comes from 127.0.0.1 and many sockets open per minute: the rate limits are off unless a
    // test turns them on (test/e2e/security-*.e2e-spec.ts does).
    RATE_LIMIT_MESSAGES_PER_MINUTE: '0',
    RATE_LIMIT_EVENTS_PER_MINUTE: '0',
    RATE_LIMIT_CONNECTIONS_PER_MINUTE_PER_IP: '0',
    RATE_LIMIT_HTTP_PER_MINUTE_PER_IP: '0',
    // One turn can take seconds on a CI machine shared with other jobs, which the age check would answer with BUSY;
    // tests expect each send accepted unless they test admission (test/e2e/admission.e2e-spec.ts). The count stays.
    CHAT_MAX_QUEUE_AGE_MS: '0',
    ...(jobsDir ? { MODELS_DIR: join(jobsDir, 'models'), TRAINING_WORK_DIR: join(jobsDir, 'var') } : {}),
    ...(db.kind === 'postgres'
      ? { DATABASE_URL: process.env.TEST_DATABASE_URL ?? DEFAULT_TEST_DATABASE_URL }
      : { PGLITE_DIR: db.pgliteDir ?? ownDir! }),
    ...env,
  });
  const app = await createApp(config, { logger: options.logger ?? new PinoLoggerService(config.log.level) });
  await app.listen(0, '127.0.0.1');
  const turns = app.get(TurnService);
  return {
    app,
    url: await baseUrl(app),
    config,
    dataSource: app.get(DataSource),
    drainTurns: () => turns.drain(),
    close: async () => {
      await turns.drain();
      await app.close();
      if (ownDir) removeDir(ownDir);
      if (jobsDir) removeDir(jobsDir);
    },
  };
}

/** Empties the conversation tables (content stays) between tests. */
export async function truncateChat(dataSource: DataSource): Promise<void> {
  await dataSource.query(`TRUNCATE "review_item", "feedback", "slot_state", "message", "conversation" CASCADE`);
}
