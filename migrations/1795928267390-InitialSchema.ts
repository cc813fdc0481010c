import { MigrationInterface, QueryRunner } from 'typeorm';

/** Must equal the `asExpression` of `KbArticle.searchVector` (TypeORM compares the text). */
const SEARCH_VECTOR = "setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', coalesce(questions_text, '')), 'B') || setweight(to_tsvector('english', body), 'C')";

/**
 * Conversations, messages, slot state, feedback, review queue, answer templates and KB articles.
 * One statement per `query` call: PGlite's extended protocol runs a single statement at a time.
 */
export class InitialSchema1795928267390 implements MigrationInterface {
  name = 'InitialSchema1795928267390';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "conversation" (
      "id" uuid NOT NULL DEFAULT gen_random_uuid(),
      "token_hash" text NOT NULL,
      "status" text NOT NULL DEFAULT 'bot',
      "last_seq" integer NOT NULL DEFAULT 0,
      "locale" text,
      "metadata" jsonb NOT NULL DEFAULT '{}',
      "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      CONSTRAINT "UQ_conversation_token_hash" UNIQUE ("token_hash"),
      CONSTRAINT "CHK_conversation_status" CHECK ("status" IN ('bot', 'handoff_requested', 'agent', 'closed')),
      CONSTRAINT "PK_conversation" PRIMARY KEY ("id"))`);
    await q.query(`CREATE INDEX "IDX_conversation_updated_at" ON "conversation" ("updated_at", "id")`);

    await q.query(`CREATE TABLE "message" (
      "id" uuid NOT NULL DEFAULT gen_random_uuid(),
      "conversation_id" uuid NOT NULL,
      "seq" integer NOT NULL,
      "direction" text NOT NULL,
      "author" text NOT NULL,
      "client_message_id" text,
      "reply_to_id" uuid,
      "text" text NOT NULL,
      "route" text,
      "intent" text,
      "confidence" real,
      "ranking" jsonb,
      "entities" jsonb,
      "model_version" text,
      "nlu_latency_ms" real,
      "reply_latency_ms" real,
      "sources" jsonb,
      "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      CONSTRAINT "CHK_message_direction" CHECK ("direction" IN ('in', 'out')),
      CONSTRAINT "CHK_message_author" CHECK ("author" IN ('customer', 'bot', 'agent', 'system')),
      CONSTRAINT "CHK_message_route" CHECK ("route" IS NULL OR "route" IN ('template', 'retrieval', 'fallback', 'agent', 'slot_prompt')),
      CONSTRAINT "PK_message" PRIMARY KEY ("id"),
      CONSTRAINT "FK_message_conversation" FOREIGN KEY ("conversation_id") REFERENCES "conversation"("id") ON DELETE CASCADE)`);
    await q.query(`CREATE UNIQUE INDEX "UQ_message_conversation_seq" ON "message" ("conversation_id", "seq")`);
    await q.query(
      `CREATE UNIQUE INDEX "UQ_message_conversation_client_message_id" ON "message" ("conversation_id", "client_message_id") WHERE "client_message_id" IS NOT NULL`,
    );
    await q.query(`CREATE UNIQUE INDEX "UQ_message_bot_reply_to" ON "message" ("reply_to_id") WHERE "author" = 'bot'`);

    await q.query(`CREATE TABLE "slot_state" (
      "conversation_id" uuid NOT NULL,
      "intent" text NOT NULL,
      "template_id" uuid,
      "filled" jsonb NOT NULL DEFAULT '{}',
      "missing" jsonb NOT NULL DEFAULT '[]',
      "asked" text NOT NULL,
      "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
      "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      CONSTRAINT "PK_slot_state" PRIMARY KEY ("conversation_id"),
      CONSTRAINT "FK_slot_state_conversation" FOREIGN KEY ("conversation_id") REFERENCES "conversation"("id") ON DELETE CASCADE)`);

    await q.query(`CREATE TABLE "feedback" (
      "id" uuid NOT NULL DEFAULT gen_random_uuid(),
      "message_id" uuid NOT NULL,
      "conversation_id" uuid NOT NULL,
      "rating" text NOT NULL,
      "comment" text,
      "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      CONSTRAINT "UQ_feedback_message_id" UNIQUE ("message_id"),
      CONSTRAINT "CHK_feedback_rating" CHECK ("rating" IN ('up', 'down')),
      CONSTRAINT "PK_feedback" PRIMARY KEY ("id"),
      CONSTRAINT "FK_feedback_message" FOREIGN KEY ("message_id") REFERENCES "message"("id") ON DELETE CASCADE,
      CONSTRAINT "FK_feedback_conversation" FOREIGN KEY ("conversation_id") REFERENCES "conversation"("id") ON DELETE CASCADE)`);

    await q.query(`CREATE TABLE "review_item" (
      "id" uuid NOT NULL DEFAULT gen_random_uuid(),
      "message_id" uuid NOT NULL,
      "conversation_id" uuid NOT NULL,
      "reason" text NOT NULL,
      "status" text NOT NULL DEFAULT 'pending',
      "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      CONSTRAINT "UQ_review_item_message_id" UNIQUE ("message_id"),
      CONSTRAINT "CHK_review_item_reason" CHECK ("reason" IN ('low_confidence', 'fallback', 'thumbs_down', 'flagged')),
      CONSTRAINT "CHK_review_item_status" CHECK ("status" IN ('pending', 'confirmed', 'corrected')),
      CONSTRAINT "PK_review_item" PRIMARY KEY ("id"),
      CONSTRAINT "FK_review_item_message" FOREIGN KEY ("message_id") REFERENCES "message"("id") ON DELETE CASCADE,
      CONSTRAINT "FK_review_item_conversation" FOREIGN KEY ("conversation_id") REFERENCES "conversation"("id") ON DELETE CASCADE)`);
    await q.query(`CREATE INDEX "IDX_review_item_status_created" ON "review_item" ("status", "created_at")`);

    await q.query(`CREATE TABLE "answer_template" (
      "id" uuid NOT NULL DEFAULT gen_random_uuid(),
      "intent" text NOT NULL,
      "name" text NOT NULL,
      "variants" jsonb NOT NULL,
      "required_entities" jsonb NOT NULL DEFAULT '[]',
      "prompts" jsonb NOT NULL DEFAULT '{}',
      "enabled" boolean NOT NULL DEFAULT true,
      "source" text NOT NULL,
      "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      CONSTRAINT "CHK_answer_template_source" CHECK ("source" IN ('bitext', 'user', 'import')),
      CONSTRAINT "PK_answer_template" PRIMARY KEY ("id"))`);
    await q.query(`CREATE INDEX "IDX_answer_template_intent" ON "answer_template" ("intent")`);

    await q.query(`CREATE TABLE "kb_article" (
      "id" uuid NOT NULL DEFAULT gen_random_uuid(),
      "slug" text NOT NULL,
      "title" text NOT NULL,
      "body" text NOT NULL,
      "intent" text,
      "source" text NOT NULL,
      "questions" jsonb NOT NULL DEFAULT '[]',
      "questions_text" text,
      "search_vector" tsvector GENERATED ALWAYS AS (${SEARCH_VECTOR}) STORED,
      "embedding" real[],
      "embedding_model" text,
      "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      CONSTRAINT "CHK_kb_article_source" CHECK ("source" IN ('bitext', 'abcd', 'user', 'import')),
      CONSTRAINT "PK_kb_article" PRIMARY KEY ("id"))`);
    await q.query(`CREATE UNIQUE INDEX "UQ_kb_article_slug" ON "kb_article" ("slug")`);
    await q.query(`CREATE INDEX "IDX_kb_article_search_vector" ON "kb_article" USING GIN ("search_vector")`);
    await q.query(`CREATE INDEX "IDX_kb_article_intent" ON "kb_article" ("intent")`);
    // TypeORM keeps the expression of a generated column in its own table and compares it with the entity's
    // `asExpression`; without this row `migration:generate` would see drift and recreate the column.
    await q.query(`CREATE TABLE IF NOT EXISTS "typeorm_metadata" ("type" varchar NOT NULL, "database" varchar, "schema" varchar, "table" varchar, "name" varchar, "value" text)`);
    await q.query(
      `INSERT INTO "typeorm_metadata" ("database", "schema", "table", "type", "name", "value") VALUES (current_database(), current_schema(), 'kb_article', 'GENERATED_COLUMN', 'search_vector', $1)`,
      [SEARCH_VECTOR],
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM "typeorm_metadata" WHERE "type" = 'GENERATED_COLUMN' AND "table" = 'kb_article' AND "name" = 'search_vector'`);
    for (const table of ['kb_article', 'answer_template', 'review_item', 'feedback', 'slot_state', 'message', 'conversation']) {
      await q.query(`DROP TABLE "${table}"`);
    }
  }
}
