import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { AuditEntryView, AuthUser } from '@app/contracts';
import { AuditFilter, AuditLogEntity, AuditLogRepository } from '@app/database';

/** One audited action. `before`/`after` are the target's state around the change (null when created/deleted). */
export interface AuditRecord {
  actor: AuthUser | null;
  action: string;
  targetType: string;
  targetId: string | null;
  before?: unknown;
  after?: unknown;
  reason?: string;
}

/**
 * The audit log of agent and admin actions: who, what, when, before/after. Pass the transaction's manager so
 * the entry commits (or rolls back) with the change it describes.
 */
@Injectable()
export class AuditService {
  constructor(private readonly log: AuditLogRepository) {}

  async record(entry: AuditRecord, manager?: EntityManager): Promise<AuditEntryView> {
    const row = await this.log.insert(
      {
        actorId: entry.actor?.id ?? null,
        actorEmail: entry.actor?.email ?? null,
        action: entry.action,
        targetType: entry.targetType,
        targetId: entry.targetId,
        before: entry.before ?? null,
        after: entry.after ?? null,
        reason: entry.reason ?? null,
      },
      manager,
    );
    return toAuditView(row);
  }

  /** Newest first; `beforeId` continues after the last entry of the previous page. */
  async list(filter: AuditFilter): Promise<AuditEntryView[]> {
    return (await this.log.list(filter)).map(toAuditView);
  }
}

export function toAuditView(row: AuditLogEntity): AuditEntryView {
  return {
    id: row.id,
    actorId: row.actorId,
    actorEmail: row.actorEmail,
    action: row.action,
    targetType: row.targetType,
    targetId: row.targetId,
    before: row.before ?? null,
    after: row.after ?? null,
    reason: row.reason,
    createdAt: row.createdAt.toISOString(),
  };
}
