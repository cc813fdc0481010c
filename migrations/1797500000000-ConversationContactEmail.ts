import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Offline follow-up: the email a customer leaves when nobody can answer now (outside business hours, or no agent
 * online), so the team can also answer there. Given by the visitor, not verified; erased with the conversation.
 */
export class ConversationContactEmail1797500000000 implements MigrationInterface {
  name = 'ConversationContactEmail1797500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "conversation" ADD "contact_email" text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "conversation" DROP COLUMN "contact_email"`);
  }
}
