import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Customer satisfaction with the person who helped: when an agent gives a conversation back to the bot, the system
 * message offers five rating buttons, and the customer's choice is stored here, one per handoff (`episode_seq`: the
 * conversation's `bot_since_seq` when it came back; a second rating of the same handoff replaces the first). Erased
 * with the conversation.
 */
export class CsatResponse1796900000000 implements MigrationInterface {
  name = 'CsatResponse1796900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "csat_response" (
      "id" uuid NOT NULL DEFAULT gen_random_uuid(),
      "conversation_id" uuid NOT NULL,
      "episode_seq" integer NOT NULL,
      "agent_id" uuid,
      "rating" smallint NOT NULL,
      "comment" text,
      "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      CONSTRAINT "CHK_csat_response_rating" CHECK ("rating" BETWEEN 1 AND 5),
      CONSTRAINT "UQ_csat_response_episode" UNIQUE ("conversation_id", "episode_seq"),
      CONSTRAINT "PK_csat_response" PRIMARY KEY ("id"),
      CONSTRAINT "FK_csat_response_conversation" FOREIGN KEY ("conversation_id") REFERENCES "conversation"("id") ON DELETE CASCADE,
      CONSTRAINT "FK_csat_response_agent" FOREIGN KEY ("agent_id") REFERENCES "app_user"("id") ON DELETE SET NULL)`);
    await q.query(`CREATE INDEX "IDX_csat_response_created" ON "csat_response" ("created_at")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "csat_response"`);
  }
}
