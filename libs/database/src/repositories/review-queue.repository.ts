import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { Entity as NluEntity, IntentScore, ReviewReason, ReviewStatus } from '@app/contracts';
import { MessageEntity } from '../entities/message.entity';
import { toMessage } from './row-mappers';

/** A review item joined with the customer message it is about and the bot reply that answered it. */
export interface ReviewRow {
  id: string;
  status: ReviewStatus;
  reason: ReviewReason;
  conversationId: string;
  createdAt: Date;
  decidedAt: Date | null;
  decidedBy: string | null;
  inboundId: string;
  inboundSeq: number;
  text: string;
  replyId: string | null;
  route: string | null;
  intent: string | null;
  confidence: number | null;
  ranking: IntentScore[];
  entities: NluEntity[];
  modelVersion: string | null;
}

export interface ReviewFilter {
  status?: ReviewStatus;
  reason?: ReviewReason;
  intent?: string;
  route?: string;
  minConfidence?: number;
  maxConfidence?: number;
  from?: Date;
  to?: Date;
  /** Keyset cursor: items older than the item with this id. */
  beforeId?: string;
  limit: number;
}

/*
 * A review item points at a bot reply (low confidence, fallback, thumbs down, a flagged reply) or at a customer
 * message (flagged, e.g. one sent to a human that the bot never answered). `i` is always the customer message,
 * `b` its bot reply if any.
 */
const SELECT = `SELECT r."id", r."status", r."reason", r."conversation_id", r."created_at", r."decided_at", r."decided_by",
       i."id" AS inbound_id, i."seq" AS inbound_seq, i."text", b."id" AS reply_id, b."route", b."intent", b."confidence",
       b."ranking", b."entities", b."model_version"
  FROM "review_item" r
  JOIN "message" t ON t."id" = r."message_id"
  JOIN "message" i ON i."id" = CASE WHEN t."author" = 'customer' THEN t."id" ELSE t."reply_to_id" END
  LEFT JOIN "message" b ON b."reply_to_id" = i."id" AND b."author" = 'bot'`;

const parse = <T>(v: unknown, empty: T): T => (typeof v === 'string' ? JSON.parse(v) : ((v as T) ?? empty));

function toReviewRow(r: Record<string, any>): ReviewRow {
  return {
    id: r.id,
    status: r.status,
    reason: r.reason,
    conversationId: r.conversation_id,
    createdAt: new Date(r.created_at),
    decidedAt: r.decided_at ? new Date(r.decided_at) : null,
    decidedBy: r.decided_by ?? null,
    inboundId: r.inbound_id,
    inboundSeq: Number(r.inbound_seq),
    text: r.text,
    replyId: r.reply_id ?? null,
    route: r.route ?? null,
    intent: r.intent ?? null,
    confidence: r.confidence === null || r.confidence === undefined ? null : Number(r.confidence),
    ranking: parse<IntentScore[]>(r.ranking, []),
    entities: parse<NluEntity[]>(r.entities, []),
    modelVersion: r.model_version ?? null,
  };
}

/** The agent review queue: filtered listing, one item with its context, decisions. */
@Injectable()
export class ReviewQueueRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Newest first. */
  async list(filter: ReviewFilter): Promise<ReviewRow[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: (p: string) => string, value: unknown) => where.push(sql(`$${params.push(value)}`));
    if (filter.status) add((p) => `r."status" = ${p}`, filter.status);
    if (filter.reason) add((p) => `r."reason" = ${p}`, filter.reason);
    if (filter.intent) add((p) => `b."intent" = ${p}`, filter.intent);
    if (filter.route) add((p) => `b."route" = ${p}`, filter.route);
    if (filter.minConfidence !== undefined) add((p) => `b."confidence" >= ${p}`, filter.minConfidence);
    if (filter.maxConfidence !== undefined) add((p) => `b."confidence" <= ${p}`, filter.maxConfidence);
    if (filter.from) add((p) => `r."created_at" >= ${p}`, filter.from);
    if (filter.to) add((p) => `r."created_at" < ${p}`, filter.to);
    // The cursor row's own timestamp, compared in the database: a JS Date would drop its microseconds.
    if (filter.beforeId) add((p) => `(r."created_at", r."id") < (SELECT c."created_at", c."id" FROM "review_item" c WHERE c."id" = ${p})`, filter.beforeId);
    const rows = await this.dataSource.query(
      `${SELECT}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY r."created_at" DESC, r."id" DESC LIMIT $${params.push(filter.limit)}`,
      params,
    );
    return rows.map(toReviewRow);
  }

  async findById(id: string, manager?: EntityManager): Promise<ReviewRow | null> {
    const rows = await (manager ?? this.dataSource.manager).query(`${SELECT} WHERE r."id" = $1`, [id]);
    return rows[0] ? toReviewRow(rows[0]) : null;
  }

  async findByMessageId(messageId: string): Promise<ReviewRow | null> {
    const rows = await this.dataSource.query(`${SELECT} WHERE r."message_id" = $1`, [messageId]);
    return rows[0] ? toReviewRow(rows[0]) : null;
  }

  /** The bot's reply to a customer message, if it has one. */
  async botReplyTo(inboundId: string): Promise<string | null> {
    const rows = await this.dataSource.query(`SELECT "id" FROM "message" WHERE "reply_to_id" = $1 AND "author" = 'bot'`, [inboundId]);
    return rows[0]?.id ?? null;
  }

  /** Locks the item until the transaction ends: two reviewers deciding at once are applied one after the other. */
  async lockForUpdate(manager: EntityManager, id: string): Promise<boolean> {
    const rows = await manager.query(`SELECT "id" FROM "review_item" WHERE "id" = $1 FOR UPDATE`, [id]);
    return rows.length > 0;
  }

  async markDecided(manager: EntityManager, id: string, status: Exclude<ReviewStatus, 'pending'>, userId: string): Promise<void> {
    await manager.query(`UPDATE "review_item" SET "status" = $2, "decided_by" = $3, "decided_at" = now() WHERE "id" = $1`, [id, status, userId]);
  }

  /** Messages of the conversation from `before` messages before `seq` to `after` after it, oldest first. */
  async context(conversationId: string, seq: number, before = 6, after = 3): Promise<MessageEntity[]> {
    const rows = await this.dataSource.query(
      `SELECT * FROM "message" WHERE "conversation_id" = $1 AND "seq" BETWEEN $2 AND $3 ORDER BY "seq"`,
      [conversationId, seq - before, seq + after],
    );
    return rows.map(toMessage);
  }
}
