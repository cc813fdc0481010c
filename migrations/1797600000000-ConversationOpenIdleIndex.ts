import { MigrationInterface, QueryRunner } from 'typeorm';

/** Auto-resolve finds the open conversations nobody wrote in for a while, oldest activity first. */
export class ConversationOpenIdleIndex1797600000000 implements MigrationInterface {
  name = 'ConversationOpenIdleIndex1797600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX "IDX_conversation_open_idle" ON "conversation" ("updated_at") WHERE "status" <> 'closed'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "IDX_conversation_open_idle"`);
  }
}
