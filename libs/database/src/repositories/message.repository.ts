import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { Entity as NluEntity, IntentScore, MessageAuthor, MessageDirection, ReplyRoute, ReplySource, Suggestion } from '@app/contracts';
import { MessageEntity } from '../entities/message.entity';
import { preparedQuery } from './prepared-query';
import { toMessage } from './row-mappers';

/** Everything of a message row except what the database assigns (id, created_at). */
export interface NewMessage {
  conversationId: string;
  seq: number;
  direction: MessageDirection;
  author: MessageAuthor;
  text: string;
  clientMessageId?: string | null;
  replyToId?: string | null;
  route?: ReplyRoute | null;
  intent?: string | null;
  confidence?: number | null;
  ranking?: IntentScore[] | null;
  entities?: NluEntity[] | null;
  modelVersion?: string | null;
  nluLatencyMs?: number | null;
  replyLatencyMs?: number | null;
  sources?: ReplySource[] | null;
  suggestions?: Suggestion[] | null;
}

const json = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v));

@Injectable()
export class MessageRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(manager: EntityManager, m: NewMessage): Promise<MessageEntity> {
    const rows = await manager.query(
      `INSERT INTO "message" ("conversation_id", "seq", "direction", "author", "text", "client_message_id", "reply_to_id",
         "route", "intent", "confidence", "ranking", "entities", "model_version", "nlu_latency_ms", "reply_latency_ms", "sources", "suggestions")
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) RETURNING *`,
      [
        m.conversationId, m.seq, m.direction, m.author, m.text, m.clientMessageId ?? null, m.replyToId ?? null,
        m.route ?? null, m.intent ?? null, m.confidence ?? null, json(m.ranking), json(m.entities), m.modelVersion ?? null,
        m.nluLatencyMs ?? null, m.replyLatencyMs ?? null, json(m.sources), json(m.suggestions),
      ],
    );
    return toMessage(rows[0]);
  }

  async findById(id: string, manager?: EntityManager): Promise<MessageEntity | null> {
    const rows = await (manager ?? this.dataSource.manager).query(`SELECT * FROM "message" WHERE "id" = $1`, [id]);
    return rows[0] ? toMessage(rows[0]) : null;
  }

  /** The message a client sent with this clientMessageId, if it was stored (one indexed read: the unique index). */
  findByClientMessageId(conversationId: string, clientMessageId: string): Promise<MessageEntity | null> {
    return findByClientMessageId(this.dataSource, conversationId, clientMessageId);
  }

  /** The bot's reply to the message `messageId`, if one is stored (at most one: the unique reply per message). */
  async findReplyTo(messageId: string): Promise<MessageEntity | null> {
    const rows = await this.dataSource.query(`SELECT * FROM "message" WHERE "reply_to_id" = $1 AND "author" = 'bot' LIMIT 1`, [messageId]);
    return rows.length > 0 ? toMessage(rows[0]) : null;
  }

  /** Messages with seq > afterSeq, oldest first. */
  async listSince(conversationId: string, afterSeq: number, limit = 500): Promise<MessageEntity[]> {
    const rows = await this.dataSource.query(
      `SELECT * FROM "message" WHERE "conversation_id" = $1 AND "seq" > $2 ORDER BY "seq" LIMIT $3`,
      [conversationId, afterSeq, limit],
    );
    return rows.map(toMessage);
  }

}

/**
 * The message stored with this clientMessageId, if any (the unique index): what a resend, or a write that stored
 * nothing, is checked against.
 */
export async function findByClientMessageId(dataSource: DataSource, conversationId: string, clientMessageId: string): Promise<MessageEntity | null> {
  // Named (see preparedQuery): it answers every resend and every send refused BUSY, i.e. most often under overload,
  // when a TypeORM query would queue for the embedded database's one wire session.
  const rows = await preparedQuery(dataSource, 'message.by_client_message_id', `SELECT * FROM "message" WHERE "conversation_id" = $1 AND "client_message_id" = $2`, [
    conversationId,
    clientMessageId,
  ]);
  return rows[0] ? toMessage(rows[0]) : null;
}
