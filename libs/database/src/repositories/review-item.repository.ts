import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { ReviewReason } from '@app/contracts';

@Injectable()
export class ReviewItemRepository {
  /** Queues a message for agent review; a message already queued keeps its first reason. Returns true if queued now. */
  async enqueue(manager: EntityManager, item: { messageId: string; conversationId: string; reason: ReviewReason }): Promise<boolean> {
    const rows = await manager.query(
      `INSERT INTO "review_item" ("message_id", "conversation_id", "reason") VALUES ($1, $2, $3)
       ON CONFLICT ("message_id") DO NOTHING RETURNING "id"`,
      [item.messageId, item.conversationId, item.reason],
    );
    return rows.length > 0;
  }
}
