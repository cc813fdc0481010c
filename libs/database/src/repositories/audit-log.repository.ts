import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { AuditEntryView } from '@app/contracts';
import { AuditLogEntity } from '../entities/audit-log.entity';

export type NewAuditEntry = Omit<AuditEntryView, 'id' | 'createdAt'>;

export interface AuditFilter {
  actorId?: string;
  action?: string;
  targetType?: string;
  targetId?: string;
  from?: Date;
  to?: Date;
  /** Keyset cursor: entries strictly older than the entry with this id (by created_at, then id). */
  beforeId?: string;
  limit: number;
}

type Row = Record<string, any>;
const parse = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : (v ?? null));

function toAuditEntry(r: Row): AuditLogEntity {
  return Object.assign(new AuditLogEntity(), {
    id: r.id,
    actorId: r.actor_id ?? null,
    actorEmail: r.actor_email ?? null,
    action: r.action,
    targetType: r.target_type,
    targetId: r.target_id ?? null,
    before: parse(r.before),
    after: parse(r.after),
    reason: r.reason ?? null,
    createdAt: new Date(r.created_at),
  });
}

const json = (v: unknown) => (v === undefined || v === null ? null : JSON.stringify(v));

/** Append-only log of agent and admin actions. */
@Injectable()
export class AuditLogRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(entry: NewAuditEntry, manager?: EntityManager): Promise<AuditLogEntity> {
    const rows = await (manager ?? this.dataSource.manager).query(
      `INSERT INTO "audit_log" ("actor_id", "actor_email", "action", "target_type", "target_id", "before", "after", "reason")
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
      [entry.actorId, entry.actorEmail, entry.action, entry.targetType, entry.targetId, json(entry.before), json(entry.after), entry.reason],
    );
    return toAuditEntry(rows[0]);
  }

  /** Newest first. */
  async list(filter: AuditFilter): Promise<AuditLogEntity[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.actorId) where.push(`"actor_id" = $${params.push(filter.actorId)}`);
    if (filter.action) where.push(`"action" = $${params.push(filter.action)}`);
    if (filter.targetType) where.push(`"target_type" = $${params.push(filter.targetType)}`);
    if (filter.targetId) where.push(`"target_id" = $${params.push(filter.targetId)}`);
    if (filter.from) where.push(`"created_at" >= $${params.push(filter.from)}`);
    if (filter.to) where.push(`"created_at" < $${params.push(filter.to)}`);
    // The cursor row's own timestamp, compared in the database: a JS Date would drop its microseconds.
    if (filter.beforeId) where.push(`("created_at", "id") < (SELECT c."created_at", c."id" FROM "audit_log" c WHERE c."id" = $${params.push(filter.beforeId)})`);
    const rows = await this.dataSource.query(
      `SELECT * FROM "audit_log"${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY "created_at" DESC, "id" DESC LIMIT $${params.push(filter.limit)}`,
      params,
    );
    return rows.map(toAuditEntry);
  }
}
