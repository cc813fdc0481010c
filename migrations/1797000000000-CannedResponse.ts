import { MigrationInterface, QueryRunner } from 'typeorm';

/** Canned responses: saved replies agents insert by short code (`/refund`), shared by every agent, edited by admins. */
export class CannedResponse1797000000000 implements MigrationInterface {
  name = 'CannedResponse1797000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "canned_response" (
      "id" uuid NOT NULL DEFAULT gen_random_uuid(),
      "short_code" text NOT NULL,
      "title" text NOT NULL,
      "text" text NOT NULL,
      "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      CONSTRAINT "CHK_canned_response_short_code" CHECK ("short_code" ~ '^[a-z0-9][a-z0-9_-]{0,39}$'),
      CONSTRAINT "UQ_canned_response_short_code" UNIQUE ("short_code"),
      CONSTRAINT "PK_canned_response" PRIMARY KEY ("id"))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "canned_response"`);
  }
}
