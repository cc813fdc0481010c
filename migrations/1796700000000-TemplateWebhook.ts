import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An answer template can hand its answer to the operator's fulfillment webhook (`FULFILLMENT_URL`): once its required
 * entities are filled, the server posts the intent and slots there and sends the text that comes back, or the
 * template's own text when the webhook fails or is not configured. Off for every existing template.
 */
export class TemplateWebhook1796700000000 implements MigrationInterface {
  name = 'TemplateWebhook1796700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "answer_template" ADD "webhook" boolean NOT NULL DEFAULT false`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "answer_template" DROP COLUMN "webhook"`);
  }
}
