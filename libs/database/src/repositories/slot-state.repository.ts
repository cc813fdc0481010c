import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { FilledSlot, SlotStateEntity } from '../entities/slot-state.entity';
import { toSlotState } from './row-mappers';

export interface SlotStateInput {
  conversationId: string;
  intent: string;
  templateId: string | null;
  filled: Record<string, FilledSlot>;
  missing: string[];
  asked: string;
  expiresAt: Date;
}

@Injectable()
export class SlotStateRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The open slot exchange, or null when there is none or it expired. */
  async findActive(conversationId: string, now: Date, manager?: EntityManager): Promise<SlotStateEntity | null> {
    const rows = await (manager ?? this.dataSource.manager).query(
      `SELECT * FROM "slot_state" WHERE "conversation_id" = $1 AND "expires_at" > $2`,
      [conversationId, now],
    );
    return rows[0] ? toSlotState(rows[0]) : null;
  }

  async upsert(manager: EntityManager, s: SlotStateInput): Promise<void> {
    await manager.query(
      `INSERT INTO "slot_state" ("conversation_id", "intent", "template_id", "filled", "missing", "asked", "expires_at", "updated_at")
       VALUES ($1, $2, $3, $4, $5, $6, $7, now())
       ON CONFLICT ("conversation_id") DO UPDATE SET "intent" = EXCLUDED."intent", "template_id" = EXCLUDED."template_id",
         "filled" = EXCLUDED."filled", "missing" = EXCLUDED."missing", "asked" = EXCLUDED."asked",
         "expires_at" = EXCLUDED."expires_at", "updated_at" = now()`,
      [s.conversationId, s.intent, s.templateId, JSON.stringify(s.filled), JSON.stringify(s.missing), s.asked, s.expiresAt],
    );
  }

  async delete(manager: EntityManager, conversationId: string): Promise<void> {
    await manager.query(`DELETE FROM "slot_state" WHERE "conversation_id" = $1`, [conversationId]);
  }
}
