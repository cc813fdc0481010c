import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The model registry (`model_version`), the training job queue (`training_job`, claimed by workers with
 * FOR UPDATE SKIP LOCKED) and its progress/log stream (`training_job_event`).
 * One statement per `query` call: PGlite's extended protocol runs a single statement at a time.
 */
export class ModelRegistryJobs1796200000000 implements MigrationInterface {
  name = 'ModelRegistryJobs1796200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "training_job" (
      "id" uuid NOT NULL DEFAULT gen_random_uuid(),
      "status" text NOT NULL DEFAULT 'queued',
      "config" text NOT NULL,
      "overrides" jsonb NOT NULL DEFAULT '{}',
      "dataset_hash" text,
      "dataset_dir" text,
      "progress" jsonb NOT NULL DEFAULT '{"phase":"queued"}',
      "log_tail" jsonb NOT NULL DEFAULT '[]',
      "error" jsonb,
      "model_version_id" uuid,
      "cancel_requested" boolean NOT NULL DEFAULT false,
      "attempts" int NOT NULL DEFAULT 0,
      "created_by" uuid,
      "worker_id" text,
      "heartbeat_at" TIMESTAMP WITH TIME ZONE,
      "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      "started_at" TIMESTAMP WITH TIME ZONE,
      "finished_at" TIMESTAMP WITH TIME ZONE,
      CONSTRAINT "CHK_training_job_status" CHECK ("status" IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
      CONSTRAINT "PK_training_job" PRIMARY KEY ("id"),
      CONSTRAINT "FK_training_job_created_by" FOREIGN KEY ("created_by") REFERENCES "app_user"("id") ON DELETE SET NULL)`);
    await q.query(`CREATE INDEX "IDX_training_job_status_created" ON "training_job" ("status", "created_at")`);

    await q.query(`CREATE TABLE "training_job_event" (
      "seq" bigint GENERATED ALWAYS AS IDENTITY,
      "job_id" uuid NOT NULL,
      "type" text NOT NULL,
      "data" jsonb NOT NULL,
      "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      CONSTRAINT "CHK_training_job_event_type" CHECK ("type" IN ('status', 'progress', 'log')),
      CONSTRAINT "PK_training_job_event" PRIMARY KEY ("seq"),
      CONSTRAINT "FK_training_job_event_job" FOREIGN KEY ("job_id") REFERENCES "training_job"("id") ON DELETE CASCADE)`);
    await q.query(`CREATE INDEX "IDX_training_job_event_job_seq" ON "training_job_event" ("job_id", "seq")`);

    await q.query(`CREATE TABLE "model_version" (
      "id" uuid NOT NULL DEFAULT gen_random_uuid(),
      "version" text NOT NULL,
      "name" text NOT NULL,
      "dir" text NOT NULL,
      "manifest" jsonb NOT NULL,
      "metrics" jsonb,
      "status" text NOT NULL DEFAULT 'candidate',
      "gate" jsonb,
      "previous_id" uuid,
      "job_id" uuid,
      "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      "promoted_at" TIMESTAMP WITH TIME ZONE,
      "promoted_by" uuid,
      CONSTRAINT "UQ_model_version_version" UNIQUE ("version"),
      CONSTRAINT "CHK_model_version_status" CHECK ("status" IN ('candidate', 'active', 'retired', 'failed')),
      CONSTRAINT "PK_model_version" PRIMARY KEY ("id"),
      CONSTRAINT "FK_model_version_previous" FOREIGN KEY ("previous_id") REFERENCES "model_version"("id") ON DELETE SET NULL,
      CONSTRAINT "FK_model_version_job" FOREIGN KEY ("job_id") REFERENCES "training_job"("id") ON DELETE SET NULL,
      CONSTRAINT "FK_model_version_promoted_by" FOREIGN KEY ("promoted_by") REFERENCES "app_user"("id") ON DELETE SET NULL)`);
    // At most one active version: the registry's promote/rollback rely on it.
    await q.query(`CREATE UNIQUE INDEX "UQ_model_version_active" ON "model_version" ("status") WHERE "status" = 'active'`);
    await q.query(
      `ALTER TABLE "training_job" ADD CONSTRAINT "FK_training_job_model_version" FOREIGN KEY ("model_version_id") REFERENCES "model_version"("id") ON DELETE SET NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "training_job" DROP CONSTRAINT "FK_training_job_model_version"`);
    await q.query(`DROP TABLE "model_version"`);
    await q.query(`DROP TABLE "training_job_event"`);
    await q.query(`DROP TABLE "training_job"`);
  }
}
