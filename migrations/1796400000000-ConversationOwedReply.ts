import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the turn sweeper looks for, kept on the conversation row: `last_customer_seq` (the newest customer message)
 * and `answered_seq` (the newest one the bot answered, or passed over when a human gave the conversation back), so
 * "the bot owes a reply" is `status = 'bot' AND last_customer_seq > answered_seq`, a partial index holds just those
 * conversations, and the sweep reads only them. Before, it joined every conversation active in the last day to its
 * last message: 32–35 ms a sweep at 5,000 such conversations (313k messages), every 15 s on every server, growing
 * with traffic. Existing rows are filled in from their messages.
 */
export class ConversationOwedReply1796400000000 implements MigrationInterface {
  name = 'ConversationOwedReply1796400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "conversation" ADD "last_customer_seq" integer NOT NULL DEFAULT 0`);
    await q.query(`ALTER TABLE "conversation" ADD "answered_seq" integer NOT NULL DEFAULT 0`);
    await q.query(
      `UPDATE "conversation" c SET
         "last_customer_seq" = coalesce((SELECT max(m."seq") FROM "message" m WHERE m."conversation_id" = c."id" AND m."author" = 'customer'), 0),
         "answered_seq" = greatest(c."bot_since_seq", coalesce((
           SELECT max(m."seq") FROM "message" m
            WHERE m."conversation_id" = c."id" AND m."author" = 'customer'
              AND EXISTS (SELECT 1 FROM "message" r WHERE r."reply_to_id" = m."id" AND r."author" = 'bot')), 0))`,
    );
    await q.query(
      `CREATE INDEX "IDX_conversation_owed" ON "conversation" ("updated_at") WHERE "status" = 'bot' AND "last_customer_seq" > "answered_seq"`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "IDX_conversation_owed"`);
    await q.query(`ALTER TABLE "conversation" DROP COLUMN "answered_seq"`);
    await q.query(`ALTER TABLE "conversation" DROP COLUMN "last_customer_seq"`);
  }
}
