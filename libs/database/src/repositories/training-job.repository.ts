import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { JobEventType, JobProgress, JobStatus } from '@app/contracts';
import { TrainingJobEventEntity } from '../entities/training-job-event.entity';
import { TrainingJobEntity } from '../entities/training-job.entity';
import { returnedRows } from './app-user.repository';

type Row = Record<string, any>;

function json<T>(v: unknown): T {
  return (typeof v === 'string' ? JSON.parse(v) : v) as T;
}
const date = (v: unknown): Date | null => (v ? new Date(v as string) : null);

export function toTrainingJob(r: Row): TrainingJobEntity {
  return Object.assign(new TrainingJobEntity(), {
    id: r.id,
    status: r.status,
    config: r.config,
    overrides: json(r.overrides) ?? {},
    datasetHash: r.dataset_hash ?? null,
    datasetDir: r.dataset_dir ?? null,
    progress: json(r.progress) ?? { phase: 'queued' },
    logTail: json(r.log_tail) ?? [],
    error: r.error == null ? null : json(r.error),
    modelVersionId: r.model_version_id ?? null,
    cancelRequested: Boolean(r.cancel_requested),
    attempts: Number(r.attempts ?? 0),
    createdBy: r.created_by ?? null,
    workerId: r.worker_id ?? null,
    heartbeatAt: date(r.heartbeat_at),
    createdAt: new Date(r.created_at),
    startedAt: date(r.started_at),
    finishedAt: date(r.finished_at),
  });
}

export function toTrainingJobEvent(r: Row): TrainingJobEventEntity {
  return Object.assign(new TrainingJobEventEntity(), {
    seq: String(r.seq),
    jobId: r.job_id,
    type: r.type,
    data: json(r.data),
    createdAt: new Date(r.created_at),
  });
}

export interface JobPatch {
  progress?: JobProgress;
  logTail?: string[];
  datasetHash?: string;
  datasetDir?: string;
  modelVersionId?: string;
}

const PATCH_COLUMNS: Record<keyof JobPatch, { column: string; json: boolean }> = {
  progress: { column: 'progress', json: true },
  logTail: { column: 'log_tail', json: true },
  datasetHash: { column: 'dataset_hash', json: false },
  datasetDir: { column: 'dataset_dir', json: false },
  modelVersionId: { column: 'model_version_id', json: false },
};

/** The training job queue and its event stream. */
@Injectable()
export class TrainingJobRepository {
  constructor(private readonly dataSource: DataSource) {}

  private q(manager?: EntityManager) {
    return manager ?? this.dataSource.manager;
  }

  async create(input: { config: string; overrides: Record<string, number>; createdBy: string | null }): Promise<TrainingJobEntity> {
    const rows = await this.dataSource.query(`INSERT INTO "training_job" ("config", "overrides", "created_by") VALUES ($1, $2, $3) RETURNING *`, [
      input.config,
      JSON.stringify(input.overrides),
      input.createdBy,
    ]);
    return toTrainingJob(rows[0]);
  }

  async findById(id: string): Promise<TrainingJobEntity | null> {
    const rows = await this.dataSource.query(`SELECT * FROM "training_job" WHERE "id" = $1`, [id]);
    return rows[0] ? toTrainingJob(rows[0]) : null;
  }

  async list(filter: { status?: JobStatus; limit: number }): Promise<TrainingJobEntity[]> {
    const params: unknown[] = [filter.limit];
    const where = filter.status ? `WHERE "status" = $${params.push(filter.status)}` : '';
    const rows = await this.dataSource.query(`SELECT * FROM "training_job" ${where} ORDER BY "created_at" DESC, "id" DESC LIMIT $1`, params);
    return rows.map(toTrainingJob);
  }

  /**
   * Claims the oldest queued job for `workerId` in one statement. SKIP LOCKED lets concurrent workers pass over
   * a row another worker is claiming instead of waiting for it, so no two workers ever get the same job.
   */
  async claim(workerId: string): Promise<TrainingJobEntity | null> {
    const rows = returnedRows(await this.dataSource.query(
      `UPDATE "training_job" SET "status" = 'running', "worker_id" = $1, "started_at" = now(), "heartbeat_at" = now(),
         "attempts" = "attempts" + 1, "progress" = '{"phase":"snapshot"}'
       WHERE "id" = (SELECT "id" FROM "training_job" WHERE "status" = 'queued' AND NOT "cancel_requested"
                     ORDER BY "created_at", "id" FOR UPDATE SKIP LOCKED LIMIT 1)
       RETURNING *`,
      [workerId],
    ));
    return rows[0] ? toTrainingJob(rows[0]) : null;
  }

  /** Refreshes the heartbeat; null when the job is no longer this worker's (requeued or finished). */
  async heartbeat(id: string, workerId: string): Promise<{ cancelRequested: boolean } | null> {
    const rows = returnedRows(await this.dataSource.query(
      `UPDATE "training_job" SET "heartbeat_at" = now() WHERE "id" = $1 AND "worker_id" = $2 AND "status" = 'running' RETURNING "cancel_requested"`,
      [id, workerId],
    ));
    return rows[0] ? { cancelRequested: Boolean(rows[0].cancel_requested) } : null;
  }

  /**
   * Jobs whose worker stopped heartbeating: requeued while they have attempts left, failed (`WORKER_LOST`) after.
   * Returns the ids touched.
   */
  async requeueStale(staleSeconds: number, maxAttempts: number): Promise<{ requeued: string[]; failed: string[] }> {
    const requeued = returnedRows(await this.dataSource.query(
      `UPDATE "training_job" SET "status" = 'queued', "worker_id" = NULL, "progress" = '{"phase":"queued"}'
       WHERE "status" = 'running' AND "heartbeat_at" < now() - make_interval(secs => $1) AND "attempts" < $2 AND NOT "cancel_requested"
       RETURNING "id"`,
      [staleSeconds, maxAttempts],
    ));
    const failed = returnedRows(await this.dataSource.query(
      `UPDATE "training_job" SET "status" = CASE WHEN "cancel_requested" THEN 'cancelled' ELSE 'failed' END, "finished_at" = now(),
         "error" = CASE WHEN "cancel_requested" THEN NULL ELSE '{"code":"WORKER_LOST","message":"the worker running this job stopped responding"}'::jsonb END
       WHERE "status" = 'running' AND "heartbeat_at" < now() - make_interval(secs => $1)
       RETURNING "id"`,
      [staleSeconds],
    ));
    return { requeued: requeued.map((r: Row) => r.id), failed: failed.map((r: Row) => r.id) };
  }

  async update(id: string, patch: JobPatch): Promise<void> {
    const sets: string[] = [];
    const params: unknown[] = [id];
    for (const [key, value] of Object.entries(patch) as [keyof JobPatch, unknown][]) {
      if (value === undefined) continue;
      const col = PATCH_COLUMNS[key];
      sets.push(`"${col.column}" = $${params.push(col.json ? JSON.stringify(value) : value)}`);
    }
    if (sets.length) await this.dataSource.query(`UPDATE "training_job" SET ${sets.join(', ')} WHERE "id" = $1`, params);
  }

  /** Ends a running job of this worker; returns false when it was not (any more) this worker's. */
  async finish(id: string, workerId: string, status: Extract<JobStatus, 'succeeded' | 'failed' | 'cancelled'>, error: { code: string; message: string } | null): Promise<boolean> {
    const rows = returnedRows(await this.dataSource.query(
      `UPDATE "training_job" SET "status" = $3, "error" = $4, "finished_at" = now()
       WHERE "id" = $1 AND "worker_id" = $2 AND "status" = 'running' RETURNING "id"`,
      [id, workerId, status, error ? JSON.stringify(error) : null],
    ));
    return rows.length > 0;
  }

  /** A stopping worker hands its running job back to the queue (for another worker to claim). */
  async release(id: string, workerId: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE "training_job" SET "status" = 'queued', "worker_id" = NULL, "progress" = '{"phase":"queued"}'
       WHERE "id" = $1 AND "worker_id" = $2 AND "status" = 'running' AND NOT "cancel_requested"`,
      [id, workerId],
    );
    await this.dataSource.query(
      `UPDATE "training_job" SET "status" = 'cancelled', "finished_at" = now() WHERE "id" = $1 AND "worker_id" = $2 AND "status" = 'running' AND "cancel_requested"`,
      [id, workerId],
    );
  }

  /** A queued job is cancelled at once; a running one is flagged for its worker. Null when unknown. */
  async requestCancel(id: string): Promise<TrainingJobEntity | null> {
    const rows = returnedRows(await this.dataSource.query(
      `UPDATE "training_job" SET "cancel_requested" = true,
         "status" = CASE WHEN "status" = 'queued' THEN 'cancelled' ELSE "status" END,
         "finished_at" = CASE WHEN "status" = 'queued' THEN now() ELSE "finished_at" END
       WHERE "id" = $1 AND "status" IN ('queued', 'running') RETURNING *`,
      [id],
    ));
    return rows[0] ? toTrainingJob(rows[0]) : null;
  }

  async appendEvents(jobId: string, events: { type: JobEventType; data: Record<string, unknown> }[]): Promise<void> {
    if (!events.length) return;
    await this.dataSource.query(
      `INSERT INTO "training_job_event" ("job_id", "type", "data")
       SELECT $1, e.v->>'type', e.v->'data' FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS e(v, ord) ORDER BY e.ord`,
      [jobId, JSON.stringify(events)],
    );
  }

  /** Events after `since` (a `seq`), oldest first; without `since` the last `limit` ones. */
  async events(jobId: string, since: number | undefined, limit: number): Promise<TrainingJobEventEntity[]> {
    const rows =
      since === undefined
        ? await this.dataSource.query(
            `SELECT * FROM (SELECT * FROM "training_job_event" WHERE "job_id" = $1 ORDER BY "seq" DESC LIMIT $2) e ORDER BY "seq"`,
            [jobId, limit],
          )
        : await this.dataSource.query(`SELECT * FROM "training_job_event" WHERE "job_id" = $1 AND "seq" > $2 ORDER BY "seq" LIMIT $3`, [jobId, since, limit]);
    return rows.map(toTrainingJobEvent);
  }
}
