import { MigrationInterface, QueryRunner } from 'typeorm';

/** Agents' private notes on a conversation: never shown to the customer; erased with the conversation. */
export class ConversationNote1797400000000 implements MigrationInterface {
  name = 'ConversationNote1797400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "conversation_note" (
      "id" uuid NOT NULL DEFAULT gen_random_uuid(),
      "conversation_id" uuid NOT NULL,
      "author_id" uuid,
      "text" text NOT NULL,
      "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      CONSTRAINT "PK_conversation_note" PRIMARY KEY ("id"),
      CONSTRAINT "FK_conversation_note_conversation" FOREIGN KEY ("conversation_id") REFERENCES "conversation"("id") ON DELETE CASCADE,
      CONSTRAINT "FK_conversation_note_author" FOREIGN KEY ("author_id") REFERENCES "app_user"("id") ON DELETE SET NULL)`);
    await q.query(`CREATE INDEX "IDX_conversation_note_conversation" ON "conversation_note" ("conversation_id", "created_at")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "conversation_note"`);
  }
}
