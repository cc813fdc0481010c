import { MigrationInterface, QueryRunner } from 'typeorm';

/** Personal API tokens: long-lived bearer tokens for scripts and integrations; only their sha256 is stored. */
export class ApiToken1797200000000 implements MigrationInterface {
  name = 'ApiToken1797200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "api_token" (
      "id" uuid NOT NULL DEFAULT gen_random_uuid(),
      "user_id" uuid NOT NULL,
      "name" text NOT NULL,
      "token_hash" text NOT NULL,
      "prefix" text NOT NULL,
      "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      "expires_at" TIMESTAMP WITH TIME ZONE,
      "last_used_at" TIMESTAMP WITH TIME ZONE,
      "revoked_at" TIMESTAMP WITH TIME ZONE,
      CONSTRAINT "UQ_api_token_token_hash" UNIQUE ("token_hash"),
      CONSTRAINT "PK_api_token" PRIMARY KEY ("id"),
      CONSTRAINT "FK_api_token_user" FOREIGN KEY ("user_id") REFERENCES "app_user"("id") ON DELETE CASCADE)`);
    await q.query(`CREATE INDEX "IDX_api_token_user" ON "api_token" ("user_id")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "api_token"`);
  }
}
