import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { GateReport, ModelStatus } from '@app/contracts';
import { ModelVersionEntity } from '../entities/model-version.entity';
import { returnedRows } from './app-user.repository';

type Row = Record<string, any>;

export interface NewModelVersion {
  version: string;
  name: string;
  dir: string;
  manifest: Record<string, unknown>;
  metrics: Record<string, unknown> | null;
  status: ModelStatus;
  jobId?: string | null;
}

function json<T>(v: unknown): T {
  return (typeof v === 'string' ? JSON.parse(v) : v) as T;
}

export function toModelVersion(r: Row): ModelVersionEntity {
  return Object.assign(new ModelVersionEntity(), {
    id: r.id,
    version: r.version,
    name: r.name,
    dir: r.dir,
    manifest: json(r.manifest),
    metrics: r.metrics == null ? null : json(r.metrics),
    status: r.status,
    gate: r.gate == null ? null : json(r.gate),
    previousId: r.previous_id ?? null,
    jobId: r.job_id ?? null,
    createdAt: new Date(r.created_at),
    promotedAt: r.promoted_at ? new Date(r.promoted_at) : null,
    promotedBy: r.promoted_by ?? null,
  });
}

/** The model registry table. Promotion and rollback run their statements inside the caller's transaction. */
@Injectable()
export class ModelVersionRepository {
  constructor(private readonly dataSource: DataSource) {}

  private q(manager?: EntityManager) {
    return manager ?? this.dataSource.manager;
  }

  /** Inserts a version; the same manifest version registered twice returns the existing row (`created: false`). */
  async insert(v: NewModelVersion, manager?: EntityManager): Promise<{ model: ModelVersionEntity; created: boolean }> {
    const rows = await this.q(manager).query(
      `INSERT INTO "model_version" ("version", "name", "dir", "manifest", "metrics", "status", "job_id")
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT ("version") DO NOTHING RETURNING *`,
      [v.version, v.name, v.dir, JSON.stringify(v.manifest), v.metrics ? JSON.stringify(v.metrics) : null, v.status, v.jobId ?? null],
    );
    if (rows[0]) return { model: toModelVersion(rows[0]), created: true };
    const existing = await this.q(manager).query(`SELECT * FROM "model_version" WHERE "version" = $1`, [v.version]);
    return { model: toModelVersion(existing[0]), created: false };
  }

  /** `lock` takes a row lock (inside the caller's transaction), as {@link findActive} does. */
  async findById(id: string, manager?: EntityManager, lock = false): Promise<ModelVersionEntity | null> {
    const rows = await this.q(manager).query(`SELECT * FROM "model_version" WHERE "id" = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
    return rows[0] ? toModelVersion(rows[0]) : null;
  }

  /** Other versions registered with the same folder (one retrained in place keeps the folder of its predecessor). */
  async countOthersInDir(id: string, dir: string, manager?: EntityManager): Promise<number> {
    const rows = await this.q(manager).query(`SELECT count(*)::int AS "n" FROM "model_version" WHERE "dir" = $1 AND "id" <> $2`, [dir, id]);
    return Number(rows[0].n);
  }

  /** Deletes the row; jobs and later versions that point at it keep their rows, with the link set to null. */
  async delete(id: string, manager: EntityManager): Promise<void> {
    await manager.query(`DELETE FROM "model_version" WHERE "id" = $1`, [id]);
  }

  /** The active version; `lock` takes a row lock so concurrent promotions serialise. */
  async findActive(manager?: EntityManager, lock = false): Promise<ModelVersionEntity | null> {
    const rows = await this.q(manager).query(`SELECT * FROM "model_version" WHERE "status" = 'active'${lock ? ' FOR UPDATE' : ''}`);
    return rows[0] ? toModelVersion(rows[0]) : null;
  }

  async list(limit = 200): Promise<ModelVersionEntity[]> {
    const rows = await this.dataSource.query(`SELECT * FROM "model_version" ORDER BY "created_at" DESC, "id" DESC LIMIT $1`, [limit]);
    return rows.map(toModelVersion);
  }

  async count(): Promise<number> {
    const rows = await this.dataSource.query(`SELECT count(*)::int AS n FROM "model_version"`);
    return Number(rows[0].n);
  }

  async setStatus(id: string, status: ModelStatus, manager?: EntityManager): Promise<void> {
    await this.q(manager).query(`UPDATE "model_version" SET "status" = $2 WHERE "id" = $1`, [id, status]);
  }

  async setGate(id: string, gate: GateReport, manager?: EntityManager): Promise<void> {
    await this.q(manager).query(`UPDATE "model_version" SET "gate" = $2 WHERE "id" = $1`, [id, JSON.stringify(gate)]);
  }

  /**
   * Retires the active version and activates `id`. `previousId` (a promotion) records where a rollback goes;
   * undefined (a rollback) keeps the target's own `previous_id`, so repeated rollbacks walk back the history.
   */
  async activate(id: string, by: string | null, previousId: string | null | undefined, manager: EntityManager): Promise<ModelVersionEntity> {
    await manager.query(`UPDATE "model_version" SET "status" = 'retired' WHERE "status" = 'active' AND "id" <> $1`, [id]);
    const rows = returnedRows(await manager.query(
      `UPDATE "model_version" SET "status" = 'active', "promoted_at" = now(), "promoted_by" = $2,
         "previous_id" = CASE WHEN $3::boolean THEN $4::uuid ELSE "previous_id" END
       WHERE "id" = $1 RETURNING *`,
      [id, by, previousId !== undefined, previousId ?? null],
    ));
    return toModelVersion(rows[0]);
  }

  /** pg_notify inside the caller's transaction: delivered to every listener only if it commits. */
  async notify(channel: string, payload: string, manager?: EntityManager): Promise<void> {
    await this.q(manager).query(`SELECT pg_notify($1, $2)`, [channel, payload]);
  }
}
