import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { ConversationStatus, CustomerView } from '@app/contracts';
import { ConversationEntity } from '../entities/conversation.entity';
import { returnedRows } from './app-user.repository';
import { likeLiteral } from './like';
import { toConversation } from './row-mappers';

export interface ConversationPage {
  items: Array<ConversationEntity & { messageCount: number; lastMessage: { author: string; text: string; createdAt: string } | null }>;
  total: number;
}

@Injectable()
export class ConversationRepository {
  constructor(private readonly dataSource: DataSource) {}

  async create(input: { tokenHash: string; locale?: string | null; metadata?: Record<string, unknown>; customer?: CustomerView | null }): Promise<ConversationEntity> {
    const rows = await this.dataSource.query(
      `INSERT INTO "conversation" ("token_hash", "locale", "metadata", "customer_id", "customer_name", "customer_email") VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
      [input.tokenHash, input.locale ?? null, JSON.stringify(input.metadata ?? {}), input.customer?.id ?? null, input.customer?.name ?? null, input.customer?.email ?? null],
    );
    return toConversation(rows[0]);
  }

  /**
   * Links the conversation to a verified customer, or refreshes their name and email: only while it has no customer
   * or this one (a conversation never passes from one customer to another). False when another customer has it.
   */
  async setCustomer(id: string, customer: CustomerView): Promise<boolean> {
    const rows = await this.dataSource.query(
      `UPDATE "conversation" SET "customer_id" = $2, "customer_name" = $3, "customer_email" = $4
        WHERE "id" = $1 AND ("customer_id" IS NULL OR "customer_id" = $2) RETURNING "id"`,
      [id, customer.id, customer.name, customer.email],
    );
    return returnedRows(rows).length > 0;
  }

  async findByTokenHash(tokenHash: string): Promise<ConversationEntity | null> {
    const rows = await this.dataSource.query(`SELECT * FROM "conversation" WHERE "token_hash" = $1`, [tokenHash]);
    return rows[0] ? toConversation(rows[0]) : null;
  }

  async findById(id: string, manager?: EntityManager): Promise<ConversationEntity | null> {
    const rows = await (manager ?? this.dataSource.manager).query(`SELECT * FROM "conversation" WHERE "id" = $1`, [id]);
    return rows[0] ? toConversation(rows[0]) : null;
  }

  /**
   * Locks the conversation row until the surrounding transaction ends: the per-conversation lock that
   * orders writes (seq allocation, status changes) across server instances.
   */
  async lockForUpdate(manager: EntityManager, id: string): Promise<ConversationEntity | null> {
    const rows = await manager.query(`SELECT * FROM "conversation" WHERE "id" = $1 FOR UPDATE`, [id]);
    return rows[0] ? toConversation(rows[0]) : null;
  }

  /** Open conversations nobody wrote in since `before`, oldest activity first (auto-resolve). */
  async idleOpen(before: Date, limit: number): Promise<string[]> {
    const rows = await this.dataSource.query(
      `SELECT "id" FROM "conversation" WHERE "status" <> 'closed' AND "updated_at" < $1 ORDER BY "updated_at" LIMIT $2`,
      [before, limit],
    );
    return rows.map((r: { id: string }) => r.id);
  }

  /** Resolved conversations (not imported transcripts) with no activity since `before`, oldest first (retention). */
  async expired(before: Date, limit: number): Promise<string[]> {
    const rows = await this.dataSource.query(
      `SELECT "id" FROM "conversation" WHERE "status" = 'closed' AND "updated_at" < $1 AND "metadata"->>'source' IS DISTINCT FROM 'transcript_import'
        ORDER BY "updated_at" LIMIT $2`,
      [before, limit],
    );
    return rows.map((r: { id: string }) => r.id);
  }

  /** Stores the email the customer left for an answer; call while holding {@link lockForUpdate}. */
  async setContactEmail(manager: EntityManager, id: string, email: string): Promise<void> {
    await manager.query(`UPDATE "conversation" SET "contact_email" = $2, "updated_at" = now() WHERE "id" = $1`, [id, email]);
  }

  /** Allocates the next message seq; call only while holding {@link lockForUpdate}. */
  async nextSeq(manager: EntityManager, id: string): Promise<number> {
    const rows = await manager.query(
      `UPDATE "conversation" SET "last_seq" = "last_seq" + 1, "updated_at" = now() WHERE "id" = $1 RETURNING "last_seq"`,
      [id],
    );
    return Number(rows[0][0]?.last_seq ?? rows[0].last_seq);
  }

  /**
   * Deletes the conversation with its messages, slot state, feedback and review items (the schema's cascades);
   * returns how many messages went with it.
   */
  async delete(manager: EntityManager, id: string): Promise<{ messages: number }> {
    const rows = await manager.query(
      `WITH n AS (SELECT count(*)::int AS "messages" FROM "message" WHERE "conversation_id" = $1),
            gone AS (DELETE FROM "conversation" WHERE "id" = $1 RETURNING 1)
       SELECT n."messages" FROM n, gone`,
      [id],
    );
    return { messages: Number(rows[0]?.messages ?? 0) };
  }

  async setStatus(manager: EntityManager, id: string, status: ConversationStatus): Promise<void> {
    await manager.query(`UPDATE "conversation" SET "status" = $2, "updated_at" = now() WHERE "id" = $1`, [id, status]);
  }

  /**
   * A page of conversations, the most recently active first: optionally only those with `status`, and only those in
   * which some message contains `q` (case-insensitive; `%` and `_` match themselves). Each comes with its message
   * count and its latest message that is not a system note. The text search reads the messages of every conversation
   * that passes the other filters (no text index: it would cost every chat turn a write): fine for the thousands of
   * conversations of a support team's working weeks, slow over millions.
   */
  async page(input: { limit: number; offset: number; status?: ConversationStatus; q?: string; customerId?: string }): Promise<ConversationPage> {
    const q = input.q?.trim();
    const rows = await this.dataSource.query(
      `SELECT c.*, (SELECT count(*) FROM "message" m WHERE m."conversation_id" = c."id")::int AS message_count,
              to_jsonb(lm) AS last_message, count(*) OVER ()::int AS total
         FROM "conversation" c
         LEFT JOIN LATERAL (
           SELECT m."author", left(m."text", 200) AS "text", m."created_at" AS "createdAt" FROM "message" m
            WHERE m."conversation_id" = c."id" AND m."author" <> 'system' ORDER BY m."seq" DESC LIMIT 1) lm ON true
        WHERE ($3::text IS NULL OR c."status" = $3)
          AND ($4::text IS NULL OR EXISTS (SELECT 1 FROM "message" m WHERE m."conversation_id" = c."id" AND m."text" ILIKE $4))
          AND ($5::text IS NULL OR c."customer_id" = $5)
        ORDER BY c."updated_at" DESC, c."id" DESC
        LIMIT $1 OFFSET $2`,
      [input.limit, input.offset, input.status ?? null, q ? `%${likeLiteral(q)}%` : null, input.customerId ?? null],
    );
    // Past the last page there is no row to carry the total: count it (rare).
    const total = rows[0]?.total ?? (input.offset > 0 ? (await this.page({ ...input, limit: 1, offset: 0 })).total : 0);
    return {
      items: rows.map((r: any) =>
        Object.assign(toConversation(r), {
          messageCount: Number(r.message_count),
          lastMessage: r.last_message ? { author: r.last_message.author, text: r.last_message.text, createdAt: new Date(r.last_message.createdAt).toISOString() } : null,
        }),
      ),
      total: Number(total),
    };
  }
}
