import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Identified customers: a conversation started or resumed by a signed-in customer of the operator's site (the widget
 * passes their id signed with WIDGET_IDENTITY_SECRET) keeps that id, name and email. Erased with the conversation.
 */
export class ConversationCustomer1797300000000 implements MigrationInterface {
  name = 'ConversationCustomer1797300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "conversation" ADD "customer_id" text`);
    await q.query(`ALTER TABLE "conversation" ADD "customer_name" text`);
    await q.query(`ALTER TABLE "conversation" ADD "customer_email" text`);
    await q.query(`CREATE INDEX "IDX_conversation_customer" ON "conversation" ("customer_id") WHERE "customer_id" IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "IDX_conversation_customer"`);
    await q.query(`ALTER TABLE "conversation" DROP COLUMN "customer_email"`);
    await q.query(`ALTER TABLE "conversation" DROP COLUMN "customer_name"`);
    await q.query(`ALTER TABLE "conversation" DROP COLUMN "customer_id"`);
  }
}
