import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { ReviewReason } from '@app/contracts';
import { MessageEntity } from '../entities/message.entity';
import { NewMessage } from './message.repository';
import { SlotStateEntity } from '../entities/slot-state.entity';
import { preparedQuery } from './prepared-query';
import { toMessage, toSlotState } from './row-mappers';
import { SlotStateInput } from './slot-state.repository';

export type AppendInboundResult =
  | { kind: 'stored'; message: MessageEntity }
  | { kind: 'duplicate'; message: MessageEntity }
  | { kind: 'not_found' }
  | { kind: 'closed' };

export type SlotChange = { kind: 'keep' } | { kind: 'clear' } | { kind: 'set'; state: Omit<SlotStateInput, 'conversationId'> };

const UNIQUE_VIOLATION = '23505';
const json = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v));

/**
 * The writes of one turn, each a single SQL statement (data-modifying CTEs): atomic without an explicit
 * transaction, one round trip each, which is what keeps the embedded single-session PGlite fast.
 * The UPDATE of the conversation row allocates the seq and holds the row lock until the statement commits,
 * so concurrent writers of one conversation (also on other instances) are serialised.
 */
@Injectable()
export class TurnRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Stores a customer message; the same clientMessageId returns the stored row (unique index, also under races). */
  async appendInbound(conversationId: string, clientMessageId: string, text: string): Promise<AppendInboundResult> {
    try {
      const rows = await preparedQuery(
        this.dataSource,
        'turn.append_inbound',
        `WITH conv AS (
           UPDATE "conversation" SET "last_seq" = "last_seq" + 1, "updated_at" = now()
            WHERE "id" = $1 AND "status" <> 'closed'
              AND NOT EXISTS (SELECT 1 FROM "message" WHERE "conversation_id" = $1 AND "client_message_id" = $2)
           RETURNING "last_seq")
         INSERT INTO "message" ("conversation_id", "seq", "direction", "author", "text", "client_message_id")
         SELECT $1, conv."last_seq", 'in', 'customer', $3, $2 FROM conv
         RETURNING *`,
        [conversationId, clientMessageId, text],
      );
      if (rows[0]) return { kind: 'stored', message: toMessage(rows[0]) };
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
    }
    return this.explainNoInsert(conversationId, clientMessageId);
  }

  private async explainNoInsert(conversationId: string, clientMessageId: string): Promise<AppendInboundResult> {
    const existing = await this.dataSource.query(`SELECT * FROM "message" WHERE "conversation_id" = $1 AND "client_message_id" = $2`, [conversationId, clientMessageId]);
    if (existing[0]) return { kind: 'duplicate', message: toMessage(existing[0]) };
    const conversation = await this.dataSource.query(`SELECT "status" FROM "conversation" WHERE "id" = $1`, [conversationId]);
    return conversation[0] ? { kind: 'closed' } : { kind: 'not_found' };
  }

  /**
   * Stores the bot's reply to `reply.replyToId` together with the slot-state change and the review item.
   * Returns null (and writes nothing) when the message was answered already or the conversation left the
   * bot (handed off, closed) in the meantime.
   */
  async appendBotReply(reply: Omit<NewMessage, 'seq' | 'direction' | 'author'> & { replyToId: string }, slot: SlotChange, review: ReviewReason | null): Promise<MessageEntity | null> {
    const set = slot.kind === 'set' ? slot.state : null;
    try {
      const rows = await preparedQuery(
        this.dataSource,
        'turn.append_bot_reply',
        `WITH conv AS (
           UPDATE "conversation" SET "last_seq" = "last_seq" + 1, "updated_at" = now()
            WHERE "id" = $1 AND "status" = 'bot'
              AND NOT EXISTS (SELECT 1 FROM "message" WHERE "reply_to_id" = $2 AND "author" = 'bot')
           RETURNING "last_seq"),
         reply AS (
           INSERT INTO "message" ("conversation_id", "seq", "direction", "author", "text", "reply_to_id", "route", "intent",
             "confidence", "ranking", "entities", "model_version", "nlu_latency_ms", "reply_latency_ms", "sources")
           SELECT $1, conv."last_seq", 'out', 'bot', $3, $2, $4, $5, $6, $7, $8, $9, $10, $11, $12 FROM conv
           RETURNING *),
         slot_clear AS (
           DELETE FROM "slot_state" WHERE "conversation_id" = $1 AND $13::text = 'clear' AND EXISTS (SELECT 1 FROM reply)),
         slot_set AS (
           INSERT INTO "slot_state" ("conversation_id", "intent", "template_id", "filled", "missing", "asked", "expires_at", "updated_at")
           SELECT $1, $14, $15, $16, $17, $18, $19, now() FROM reply WHERE $13::text = 'set'
           ON CONFLICT ("conversation_id") DO UPDATE SET "intent" = EXCLUDED."intent", "template_id" = EXCLUDED."template_id",
             "filled" = EXCLUDED."filled", "missing" = EXCLUDED."missing", "asked" = EXCLUDED."asked",
             "expires_at" = EXCLUDED."expires_at", "updated_at" = now()),
         review AS (
           INSERT INTO "review_item" ("message_id", "conversation_id", "reason")
           SELECT reply."id", $1, $20::text FROM reply WHERE $20::text IS NOT NULL
           ON CONFLICT ("message_id") DO NOTHING)
         SELECT * FROM reply`,
        [
          reply.conversationId, reply.replyToId, reply.text, reply.route ?? null, reply.intent ?? null, reply.confidence ?? null,
          json(reply.ranking), json(reply.entities), reply.modelVersion ?? null, reply.nluLatencyMs ?? null, reply.replyLatencyMs ?? null,
          json(reply.sources), slot.kind,
          set?.intent ?? null, set?.templateId ?? null, json(set?.filled ?? null), json(set?.missing ?? null), set?.asked ?? null, set?.expiresAt ?? null,
          review,
        ],
      );
      return rows[0] ? toMessage(rows[0]) : null;
    } catch (error) {
      // Another writer answered this message first (unique index on reply_to_id for bot replies).
      if (isUniqueViolation(error)) return null;
      throw error;
    }
  }

  /**
   * Inbound customer messages the bot still owes an answer, oldest first (none unless the bot has the
   * conversation; none from before it got the conversation back from a human), with the conversation's open
   * slot question as of now: one round trip. The turn needs it only when it cannot tell from its own last
   * reply that nothing else happened in the conversation (see TurnService).
   */
  async listUnanswered(conversationId: string, now: Date): Promise<{ messages: MessageEntity[]; slot: SlotStateEntity | null }> {
    const rows = await preparedQuery(
      this.dataSource,
      'turn.list_unanswered',
      `SELECT m.*, to_jsonb(s) AS slot FROM "message" m
         JOIN "conversation" c ON c."id" = m."conversation_id" AND c."status" = 'bot'
         LEFT JOIN "slot_state" s ON s."conversation_id" = m."conversation_id" AND s."expires_at" > $2
        WHERE m."conversation_id" = $1 AND m."author" = 'customer' AND m."seq" > c."bot_since_seq"
          AND NOT EXISTS (SELECT 1 FROM "message" r WHERE r."reply_to_id" = m."id" AND r."author" = 'bot')
        ORDER BY m."seq"`,
      [conversationId, now],
    );
    const slot = rows[0]?.slot ? toSlotState(typeof rows[0].slot === 'string' ? JSON.parse(rows[0].slot) : rows[0].slot) : null;
    return { messages: rows.map(toMessage), slot };
  }
}

function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; driverError?: { code?: string } };
  return e?.code === UNIQUE_VIOLATION || e?.driverError?.code === UNIQUE_VIOLATION;
}
