import { MigrationInterface, QueryRunner } from 'typeorm';

/** Retention finds the resolved conversations whose last activity is oldest. */
export class ConversationClosedIndex1797700000000 implements MigrationInterface {
  name = 'ConversationClosedIndex1797700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX "IDX_conversation_closed" ON "conversation" ("updated_at") WHERE "status" = 'closed'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "IDX_conversation_closed"`);
  }
}
