import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { ConversationStatus, CustomerView } from '@app/contracts';
import { MessageEntity } from '../entities/message.entity';
import { findByClientMessageId } from './message.repository';
import { isUniqueViolation } from './pg-errors';
import { toCustomer, toMessage } from './row-mappers';

/** A handed-off conversation as the agent console lists it. */
export interface HandoffRow {
  conversationId: string;
  status: ConversationStatus;
  requestedAt: Date | null;
  assignedAgent: { id: string; name: string } | null;
  lastMessage: MessageEntity | null;
  customer: CustomerView | null;
  contactEmail: string | null;
}

export type AppendAgentResult =
  | { kind: 'stored'; message: MessageEntity }
  | { kind: 'duplicate'; message: MessageEntity }
  | { kind: 'not_found' }
  | { kind: 'not_assigned' };

const SELECT = `SELECT c."id", c."status", c."handoff_requested_at", c."assigned_agent_id", u."name" AS agent_name, to_jsonb(lm) AS last_message,
       c."customer_id", c."customer_name", c."customer_email", c."contact_email"
  FROM "conversation" c
  LEFT JOIN "app_user" u ON u."id" = c."assigned_agent_id"
  LEFT JOIN LATERAL (SELECT * FROM "message" m WHERE m."conversation_id" = c."id" ORDER BY m."seq" DESC LIMIT 1) lm ON true`;

function toHandoffRow(r: Record<string, any>): HandoffRow {
  const last = typeof r.last_message === 'string' ? JSON.parse(r.last_message) : r.last_message;
  return {
    conversationId: r.id,
    status: r.status,
    requestedAt: r.handoff_requested_at ? new Date(r.handoff_requested_at) : null,
    assignedAgent: r.assigned_agent_id ? { id: r.assigned_agent_id, name: r.agent_name } : null,
    lastMessage: last ? toMessage(last) : null,
    customer: toCustomer(r),
    contactEmail: r.contact_email ?? null,
  };
}

/** Status changes of live handoff and the agents' messages. */
@Injectable()
export class HandoffRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The customer asked for a human: waiting for an agent from now on. Call while holding the conversation lock. */
  async markRequested(manager: EntityManager, id: string): Promise<void> {
    await manager.query(
      `UPDATE "conversation" SET "status" = 'handoff_requested', "handoff_requested_at" = now(), "assigned_agent_id" = NULL, "updated_at" = now() WHERE "id" = $1`,
      [id],
    );
  }

  /** An agent has the conversation. Call while holding the conversation lock. */
  async assign(manager: EntityManager, id: string, agentId: string): Promise<void> {
    await manager.query(
      `UPDATE "conversation" SET "status" = 'agent', "assigned_agent_id" = $2, "handoff_requested_at" = coalesce("handoff_requested_at", now()), "updated_at" = now() WHERE "id" = $1`,
      [id, agentId],
    );
  }

  /**
   * Back to the bot. Customer messages so far were for humans, so the bot must not answer them later:
   * `bot_since_seq` moves to the last seq, and `answered_seq` with it (so the sweeper sees nothing owed). Call while
   * holding the conversation lock, after the last message.
   */
  async returnToBot(manager: EntityManager, id: string): Promise<void> {
    await manager.query(
      `UPDATE "conversation" SET "status" = 'bot', "assigned_agent_id" = NULL, "handoff_requested_at" = NULL, "bot_since_seq" = "last_seq", "answered_seq" = "last_seq", "updated_at" = now() WHERE "id" = $1`,
      [id],
    );
  }

  /**
   * The conversation is resolved: closed for good (a new message needs a new conversation), like a hand-back in that
   * every message so far counts as dealt with and a person who helped can be rated. Call while holding the lock.
   */
  async resolve(manager: EntityManager, id: string): Promise<void> {
    await manager.query(
      `UPDATE "conversation" SET "status" = 'closed', "assigned_agent_id" = NULL, "handoff_requested_at" = NULL, "bot_since_seq" = "last_seq", "answered_seq" = "last_seq", "updated_at" = now() WHERE "id" = $1`,
      [id],
    );
  }

  /**
   * Stores an agent's message, in one statement, only while that agent has the conversation. The same
   * clientMessageId returns the stored row.
   */
  async appendAgentMessage(input: { conversationId: string; agentId: string; clientMessageId: string; text: string }): Promise<AppendAgentResult> {
    const { conversationId, agentId, clientMessageId, text } = input;
    try {
      const rows = await this.dataSource.query(
        `WITH conv AS (
           UPDATE "conversation" SET "last_seq" = "last_seq" + 1, "updated_at" = now()
            WHERE "id" = $1 AND "status" = 'agent' AND "assigned_agent_id" = $2
              AND NOT EXISTS (SELECT 1 FROM "message" WHERE "conversation_id" = $1 AND "client_message_id" = $3)
           RETURNING "last_seq")
         INSERT INTO "message" ("conversation_id", "seq", "direction", "author", "text", "client_message_id", "route", "agent_id")
         SELECT $1, conv."last_seq", 'out', 'agent', $4, $3, 'agent', $2 FROM conv
         RETURNING *`,
        [conversationId, agentId, clientMessageId, text],
      );
      if (rows[0]) return { kind: 'stored', message: toMessage(rows[0]) };
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
    }
    const existing = await findByClientMessageId(this.dataSource, conversationId, clientMessageId);
    // Only the same agent's own message counts as a resend; anything else with that id is a conflict.
    if (existing) return existing.author === 'agent' && existing.agentId === agentId ? { kind: 'duplicate', message: existing } : { kind: 'not_assigned' };
    const conversation = await this.dataSource.query(`SELECT 1 FROM "conversation" WHERE "id" = $1`, [conversationId]);
    return conversation[0] ? { kind: 'not_assigned' } : { kind: 'not_found' };
  }

  /** Conversations waiting for or with a human, those waiting longest first. */
  async queue(limit = 200): Promise<HandoffRow[]> {
    const rows = await this.dataSource.query(
      `${SELECT} WHERE c."status" IN ('handoff_requested', 'agent') ORDER BY c."handoff_requested_at" NULLS LAST, c."id" LIMIT $1`,
      [limit],
    );
    return rows.map(toHandoffRow);
  }

  async find(id: string, manager?: EntityManager): Promise<HandoffRow | null> {
    const rows = await (manager ?? this.dataSource.manager).query(`${SELECT} WHERE c."id" = $1`, [id]);
    return rows[0] ? toHandoffRow(rows[0]) : null;
  }
}
