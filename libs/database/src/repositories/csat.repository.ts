import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** Ratings of the person who helped (see CsatResponseEntity). */
@Injectable()
export class CsatRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Stores the rating of the conversation's last handoff, replacing an earlier one of the same handoff; null when
   * the conversation is not back with the bot, or resolved, after a handoff (nothing to rate). The agent is the one who last wrote
   * to the customer before the conversation came back. One statement.
   */
  async upsert(conversationId: string, rating: number, comment: string | null): Promise<{ id: string; replaced: boolean; agentId: string | null } | null> {
    const rows = await this.dataSource.query(
      `WITH c AS (SELECT "id", "bot_since_seq" FROM "conversation" WHERE "id" = $1 AND "status" IN ('bot', 'closed') AND "bot_since_seq" > 0)
       INSERT INTO "csat_response" ("conversation_id", "episode_seq", "agent_id", "rating", "comment")
       SELECT c."id", c."bot_since_seq",
              (SELECT m."agent_id" FROM "message" m WHERE m."conversation_id" = c."id" AND m."author" = 'agent' AND m."seq" <= c."bot_since_seq" ORDER BY m."seq" DESC LIMIT 1),
              $2, $3
         FROM c
       ON CONFLICT ("conversation_id", "episode_seq") DO UPDATE SET "rating" = EXCLUDED."rating", "comment" = EXCLUDED."comment", "created_at" = now()
       RETURNING "id", "agent_id", (xmax <> 0) AS "replaced"`,
      [conversationId, rating, comment],
    );
    const row = rows[0];
    return row ? { id: row.id, replaced: row.replaced === true, agentId: row.agent_id ?? null } : null;
  }
}
