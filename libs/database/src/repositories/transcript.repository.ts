import { Injectable } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { EntityManager } from 'typeorm';
import type { Entity as NluEntity, IntentScore, ReviewReason } from '@app/contracts';

/** One turn of an imported conversation, with the current model's pre-label on customer turns. */
export interface ImportedTurn {
  id: string;
  author: 'customer' | 'agent';
  text: string;
  intent: string | null;
  confidence: number | null;
  ranking: IntentScore[] | null;
  entities: NluEntity[] | null;
  modelVersion: string | null;
}

export interface ImportedConversation {
  id: string;
  metadata: Record<string, unknown>;
  turns: ImportedTurn[];
}

/** Stores imported transcripts as closed conversations with their messages (ids chosen by the caller). */
@Injectable()
export class TranscriptRepository {
  async insertConversations(manager: EntityManager, conversations: readonly ImportedConversation[]): Promise<{ conversations: number; messages: number }> {
    if (!conversations.length) return { conversations: 0, messages: 0 };
    // An imported conversation can never be resumed by a widget: its token is random and thrown away.
    const convRows = conversations.map((c) => ({
      id: c.id,
      token_hash: createHash('sha256').update(randomBytes(32)).digest('hex'),
      last_seq: c.turns.length,
      metadata: c.metadata,
    }));
    await manager.query(
      `INSERT INTO "conversation" ("id", "token_hash", "status", "last_seq", "metadata")
       SELECT x."id", x."token_hash", 'closed', x."last_seq", x."metadata" FROM jsonb_to_recordset($1::jsonb) AS x("id" uuid, "token_hash" text, "last_seq" int, "metadata" jsonb)`,
      [JSON.stringify(convRows)],
    );
    const msgRows = conversations.flatMap((c) =>
      c.turns.map((t, i) => ({
        id: t.id,
        conversation_id: c.id,
        seq: i + 1,
        direction: t.author === 'customer' ? 'in' : 'out',
        author: t.author,
        text: t.text,
        intent: t.intent,
        confidence: t.confidence,
        ranking: t.ranking,
        entities: t.entities,
        model_version: t.modelVersion,
      })),
    );
    for (let i = 0; i < msgRows.length; i += 1000) {
      await manager.query(
        `INSERT INTO "message" ("id", "conversation_id", "seq", "direction", "author", "text", "intent", "confidence", "ranking", "entities", "model_version")
         SELECT x."id", x."conversation_id", x."seq", x."direction", x."author", x."text", x."intent", x."confidence", x."ranking", x."entities", x."model_version"
           FROM jsonb_to_recordset($1::jsonb) AS x("id" uuid, "conversation_id" uuid, "seq" int, "direction" text, "author" text, "text" text,
             "intent" text, "confidence" real, "ranking" jsonb, "entities" jsonb, "model_version" text)`,
        [JSON.stringify(msgRows.slice(i, i + 1000))],
      );
    }
    return { conversations: conversations.length, messages: msgRows.length };
  }

  /** Review queue rows for the given customer messages, each with its reason. */
  async enqueueReview(manager: EntityManager, items: readonly { messageId: string; conversationId: string; reason: ReviewReason }[]): Promise<number> {
    if (!items.length) return 0;
    const rows = await manager.query(
      `INSERT INTO "review_item" ("message_id", "conversation_id", "reason")
       SELECT x."message_id", x."conversation_id", x."reason" FROM jsonb_to_recordset($1::jsonb) AS x("message_id" uuid, "conversation_id" uuid, "reason" text)
       ON CONFLICT ("message_id") DO NOTHING RETURNING "id"`,
      [JSON.stringify(items.map((i) => ({ message_id: i.messageId, conversation_id: i.conversationId, reason: i.reason })))],
    );
    return rows.length;
  }
}
