import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The outbox of the outbound event webhook (EVENT_WEBHOOK_URL): one row per event, pending until delivered, retried
 * with backoff, failed after the last attempt. Erased with its conversation.
 */
export class WebhookDelivery1797100000000 implements MigrationInterface {
  name = 'WebhookDelivery1797100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "webhook_delivery" (
      "id" uuid NOT NULL DEFAULT gen_random_uuid(),
      "event" text NOT NULL,
      "conversation_id" uuid,
      "payload" jsonb NOT NULL,
      "status" text NOT NULL DEFAULT 'pending',
      "attempts" integer NOT NULL DEFAULT 0,
      "next_attempt_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      "last_status" integer,
      "last_error" text,
      "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      "delivered_at" TIMESTAMP WITH TIME ZONE,
      CONSTRAINT "CHK_webhook_delivery_status" CHECK ("status" IN ('pending', 'delivered', 'failed')),
      CONSTRAINT "PK_webhook_delivery" PRIMARY KEY ("id"),
      CONSTRAINT "FK_webhook_delivery_conversation" FOREIGN KEY ("conversation_id") REFERENCES "conversation"("id") ON DELETE CASCADE)`);
    await q.query(`CREATE INDEX "IDX_webhook_delivery_due" ON "webhook_delivery" ("next_attempt_at") WHERE "status" = 'pending'`);
    await q.query(`CREATE INDEX "IDX_webhook_delivery_created" ON "webhook_delivery" ("created_at")`);
    await q.query(`CREATE INDEX "IDX_webhook_delivery_conversation" ON "webhook_delivery" ("conversation_id")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "webhook_delivery"`);
  }
}
