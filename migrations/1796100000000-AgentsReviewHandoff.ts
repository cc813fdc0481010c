import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Agents and admins (`app_user`, `auth_session`), the audit log, labelled training examples, review decisions
 * and live handoff (who has a conversation, since when the bot owns it again).
 * One statement per `query` call: PGlite's extended protocol runs a single statement at a time.
 */
export class AgentsReviewHandoff1796100000000 implements MigrationInterface {
  name = 'AgentsReviewHandoff1796100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "app_user" (
      "id" uuid NOT NULL DEFAULT gen_random_uuid(),
      "email" text NOT NULL,
      "name" text NOT NULL,
      "role" text NOT NULL,
      "password_hash" text NOT NULL,
      "disabled" boolean NOT NULL DEFAULT false,
      "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      CONSTRAINT "UQ_app_user_email" UNIQUE ("email"),
      CONSTRAINT "CHK_app_user_role" CHECK ("role" IN ('agent', 'admin')),
      CONSTRAINT "CHK_app_user_email_lower" CHECK ("email" = lower("email")),
      CONSTRAINT "PK_app_user" PRIMARY KEY ("id"))`);

    await q.query(`CREATE TABLE "auth_session" (
      "id" uuid NOT NULL DEFAULT gen_random_uuid(),
      "user_id" uuid NOT NULL,
      "token_hash" text NOT NULL,
      "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
      "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      "revoked_at" TIMESTAMP WITH TIME ZONE,
      CONSTRAINT "UQ_auth_session_token_hash" UNIQUE ("token_hash"),
      CONSTRAINT "PK_auth_session" PRIMARY KEY ("id"),
      CONSTRAINT "FK_auth_session_user" FOREIGN KEY ("user_id") REFERENCES "app_user"("id") ON DELETE CASCADE)`);
    await q.query(`CREATE INDEX "IDX_auth_session_user" ON "auth_session" ("user_id")`);

    await q.query(`CREATE TABLE "audit_log" (
      "id" uuid NOT NULL DEFAULT gen_random_uuid(),
      "actor_id" uuid,
      "actor_email" text,
      "action" text NOT NULL,
      "target_type" text NOT NULL,
      "target_id" text,
      "before" jsonb,
      "after" jsonb,
      "reason" text,
      "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      CONSTRAINT "PK_audit_log" PRIMARY KEY ("id"),
      CONSTRAINT "FK_audit_log_actor" FOREIGN KEY ("actor_id") REFERENCES "app_user"("id") ON DELETE SET NULL)`);
    await q.query(`CREATE INDEX "IDX_audit_log_created" ON "audit_log" ("created_at", "id")`);
    await q.query(`CREATE INDEX "IDX_audit_log_target" ON "audit_log" ("target_type", "target_id")`);

    await q.query(`CREATE TABLE "training_example" (
      "id" uuid NOT NULL DEFAULT gen_random_uuid(),
      "text" text NOT NULL,
      "intent" text NOT NULL,
      "entities" jsonb NOT NULL DEFAULT '[]',
      "source" text NOT NULL,
      "message_id" uuid,
      "conversation_id" uuid,
      "created_by" uuid,
      "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      CONSTRAINT "CHK_training_example_source" CHECK ("source" IN ('review', 'transcript', 'import')),
      CONSTRAINT "PK_training_example" PRIMARY KEY ("id"),
      CONSTRAINT "FK_training_example_message" FOREIGN KEY ("message_id") REFERENCES "message"("id") ON DELETE SET NULL,
      CONSTRAINT "FK_training_example_created_by" FOREIGN KEY ("created_by") REFERENCES "app_user"("id") ON DELETE SET NULL)`);
    await q.query(`CREATE UNIQUE INDEX "UQ_training_example_message_id" ON "training_example" ("message_id") WHERE "message_id" IS NOT NULL`);
    await q.query(`CREATE INDEX "IDX_training_example_updated" ON "training_example" ("updated_at", "id")`);

    await q.query(`ALTER TABLE "review_item" ADD "decided_by" uuid`);
    await q.query(`ALTER TABLE "review_item" ADD "decided_at" TIMESTAMP WITH TIME ZONE`);
    await q.query(
      `ALTER TABLE "review_item" ADD CONSTRAINT "FK_review_item_decided_by" FOREIGN KEY ("decided_by") REFERENCES "app_user"("id") ON DELETE SET NULL`,
    );

    await q.query(`ALTER TABLE "conversation" ADD "assigned_agent_id" uuid`);
    await q.query(`ALTER TABLE "conversation" ADD "handoff_requested_at" TIMESTAMP WITH TIME ZONE`);
    // Customer messages up to this seq were for humans: the bot, given the conversation back, never answers them.
    await q.query(`ALTER TABLE "conversation" ADD "bot_since_seq" integer NOT NULL DEFAULT 0`);
    await q.query(
      `ALTER TABLE "conversation" ADD CONSTRAINT "FK_conversation_assigned_agent" FOREIGN KEY ("assigned_agent_id") REFERENCES "app_user"("id") ON DELETE SET NULL`,
    );
    await q.query(
      `CREATE INDEX "IDX_conversation_handoff" ON "conversation" ("handoff_requested_at") WHERE "status" IN ('handoff_requested', 'agent')`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "IDX_conversation_handoff"`);
    await q.query(`ALTER TABLE "conversation" DROP CONSTRAINT "FK_conversation_assigned_agent"`);
    for (const column of ['bot_since_seq', 'handoff_requested_at', 'assigned_agent_id']) await q.query(`ALTER TABLE "conversation" DROP COLUMN "${column}"`);
    await q.query(`ALTER TABLE "review_item" DROP CONSTRAINT "FK_review_item_decided_by"`);
    for (const column of ['decided_at', 'decided_by']) await q.query(`ALTER TABLE "review_item" DROP COLUMN "${column}"`);
    for (const table of ['training_example', 'audit_log', 'auth_session', 'app_user']) await q.query(`DROP TABLE "${table}"`);
  }
}
