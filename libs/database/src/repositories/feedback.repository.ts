import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { FeedbackRating } from '@app/contracts';

@Injectable()
export class FeedbackRepository {
  /** One rating per message; a second rating replaces the first (the customer changed their mind). */
  async upsert(
    manager: EntityManager,
    f: { messageId: string; conversationId: string; rating: FeedbackRating; comment: string | null },
  ): Promise<string> {
    const rows = await manager.query(
      `INSERT INTO "feedback" ("message_id", "conversation_id", "rating", "comment") VALUES ($1, $2, $3, $4)
       ON CONFLICT ("message_id") DO UPDATE SET "rating" = EXCLUDED."rating", "comment" = EXCLUDED."comment", "created_at" = now()
       RETURNING "id"`,
      [f.messageId, f.conversationId, f.rating, f.comment],
    );
    return rows[0].id;
  }
}
