import { MigrationInterface, QueryRunner } from 'typeorm';

/** Which agent wrote an `author = 'agent'` message (who said what, and the name the widget shows). */
export class MessageAgent1796100000001 implements MigrationInterface {
  name = 'MessageAgent1796100000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "message" ADD "agent_id" uuid`);
    await q.query(`ALTER TABLE "message" ADD CONSTRAINT "FK_message_agent" FOREIGN KEY ("agent_id") REFERENCES "app_user"("id") ON DELETE SET NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "message" DROP CONSTRAINT "FK_message_agent"`);
    await q.query(`ALTER TABLE "message" DROP COLUMN "agent_id"`);
  }
}
