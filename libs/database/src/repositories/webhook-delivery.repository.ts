import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { CustomerView } from '@app/contracts';
import { WebhookDeliveryEntity } from '../entities/webhook-delivery.entity';
import { returnedRows } from './app-user.repository';
import { toCustomer } from './row-mappers';

export interface NewWebhookDelivery {
  event: string;
  conversationId: string | null;
  payload: unknown;
  /** When it happened. */
  createdAt: Date;
}

type Status = WebhookDeliveryEntity['status'];

/** A delivery claimed for an attempt, with the identified customer of its conversation as it is now (or null). */
export type ClaimedDelivery = WebhookDeliveryEntity & { customer: CustomerView | null; contactEmail: string | null };

const COLUMNS = `"id", "event", "conversation_id", "payload", "status", "attempts", "next_attempt_at", "last_status", "last_error", "created_at", "delivered_at"`;

function toDelivery(row: Record<string, any>): WebhookDeliveryEntity {
  return Object.assign(new WebhookDeliveryEntity(), {
    id: row.id,
    event: row.event,
    conversationId: row.conversation_id,
    payload: row.payload,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: new Date(row.next_attempt_at),
    lastStatus: row.last_status,
    lastError: row.last_error,
    createdAt: new Date(row.created_at),
    deliveredAt: row.delivered_at ? new Date(row.delivered_at) : null,
  });
}

/**
 * All SQL for `webhook_delivery`, the event webhook's outbox. Several instances share it: a delivery is claimed
 * (`FOR UPDATE SKIP LOCKED`) by pushing its due time past the attempt's end, so no row lock is held while the
 * receiver answers and a crashed instance's claim simply comes due again.
 */
@Injectable()
export class WebhookDeliveryRepository {
  private readonly logger = new Logger('WebhookDeliveries');

  constructor(private readonly dataSource: DataSource) {}

  /**
   * Stores events in one statement. An event of a conversation erased in the meantime is dropped (its customer text
   * must not outlive the erasure); should the batch fail anyway (that erasure raced the statement), each row is
   * tried alone. Returns how many were stored.
   */
  async enqueue(rows: readonly NewWebhookDelivery[]): Promise<number> {
    if (rows.length === 0) return 0;
    try {
      return await this.insert(rows);
    } catch (error) {
      if (rows.length === 1) throw error;
      let stored = 0;
      for (const row of rows) {
        try {
          stored += await this.insert([row]);
        } catch (rowError) {
          this.logger.warn({ event: 'webhook.enqueue_failed', webhookEvent: row.event, conversationId: row.conversationId, code: (rowError as { code?: string }).code ?? 'UNKNOWN' });
        }
      }
      return stored;
    }
  }

  private async insert(rows: readonly NewWebhookDelivery[]): Promise<number> {
    const records = rows.map((r) => ({ event: r.event, conversation_id: r.conversationId, payload: r.payload, created_at: r.createdAt.toISOString() }));
    const inserted = await this.dataSource.query(
      `INSERT INTO "webhook_delivery" ("event", "conversation_id", "payload", "created_at", "next_attempt_at")
       SELECT x."event", x."conversation_id", x."payload", x."created_at", now()
       FROM jsonb_to_recordset($1::jsonb) AS x("event" text, "conversation_id" uuid, "payload" jsonb, "created_at" timestamptz)
       WHERE x."conversation_id" IS NULL OR EXISTS (SELECT 1 FROM "conversation" c WHERE c."id" = x."conversation_id")
       RETURNING "id"`,
      [JSON.stringify(records)],
    );
    return returnedRows(inserted).length;
  }

  /**
   * Claims up to `limit` due deliveries for one attempt each: their attempt count goes up and they come due again
   * after `leaseMs` unless {@link markDelivered} or {@link markAttemptFailed} lands first. Oldest due first.
   */
  async claimDue(limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
    const rows = await this.dataSource.query(
      `UPDATE "webhook_delivery" d SET "attempts" = d."attempts" + 1, "next_attempt_at" = now() + make_interval(secs => $2::double precision / 1000)
       FROM (SELECT w."id", c."customer_id", c."customer_name", c."customer_email", c."contact_email"
               FROM "webhook_delivery" w LEFT JOIN "conversation" c ON c."id" = w."conversation_id"
              WHERE w."status" = 'pending' AND w."next_attempt_at" <= now()
              ORDER BY w."next_attempt_at" LIMIT $1 FOR UPDATE OF w SKIP LOCKED) due
       WHERE d."id" = due."id"
       RETURNING d.*, due."customer_id", due."customer_name", due."customer_email", due."contact_email"`,
      [limit, leaseMs],
    );
    return returnedRows(rows)
      .map((r) => Object.assign(toDelivery(r), { customer: toCustomer(r), contactEmail: (r.contact_email as string | null) ?? null }))
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  }

  async markDelivered(id: string, httpStatus: number): Promise<void> {
    await this.dataSource.query(
      `UPDATE "webhook_delivery" SET "status" = 'delivered', "delivered_at" = now(), "last_status" = $2, "last_error" = NULL WHERE "id" = $1 AND "status" = 'pending'`,
      [id, httpStatus],
    );
  }

  /** Records a failed attempt: due again at `retryAt`, or given up (`failed`) when it is null. */
  async markAttemptFailed(id: string, outcome: { httpStatus: number | null; error: string; retryAt: Date | null }): Promise<void> {
    await this.dataSource.query(
      `UPDATE "webhook_delivery" SET "status" = CASE WHEN $4::timestamptz IS NULL THEN 'failed' ELSE 'pending' END,
         "next_attempt_at" = COALESCE($4::timestamptz, "next_attempt_at"), "last_status" = $2, "last_error" = $3
       WHERE "id" = $1 AND "status" = 'pending'`,
      [id, outcome.httpStatus, outcome.error.slice(0, 200), outcome.retryAt?.toISOString() ?? null],
    );
  }

  /** Newest first; `before` (a delivery's createdAt) pages back. */
  async list(opts: { status?: Status; event?: string; limit?: number; before?: Date } = {}): Promise<WebhookDeliveryEntity[]> {
    const rows = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM "webhook_delivery"
       WHERE ($1::text IS NULL OR "status" = $1) AND ($2::text IS NULL OR "event" = $2) AND ($3::timestamptz IS NULL OR "created_at" < $3)
       ORDER BY "created_at" DESC, "id" LIMIT $4`,
      [opts.status ?? null, opts.event ?? null, opts.before?.toISOString() ?? null, opts.limit ?? 50],
    );
    return (rows as Array<Record<string, any>>).map(toDelivery);
  }

  async findById(id: string): Promise<WebhookDeliveryEntity | null> {
    const rows = await this.dataSource.query(`SELECT ${COLUMNS} FROM "webhook_delivery" WHERE "id" = $1`, [id]);
    return rows[0] ? toDelivery(rows[0]) : null;
  }

  async countByStatus(): Promise<Record<Status, number>> {
    const rows: Array<{ status: Status; n: number }> = await this.dataSource.query(`SELECT "status", count(*)::int AS n FROM "webhook_delivery" GROUP BY "status"`);
    const out: Record<Status, number> = { pending: 0, delivered: 0, failed: 0 };
    for (const r of rows) out[r.status] = r.n;
    return out;
  }

  /** Sends failed deliveries again from a fresh attempt count (`id`: that one only). Returns those set pending. */
  async retryFailed(id?: string): Promise<number> {
    const rows = await this.dataSource.query(
      `UPDATE "webhook_delivery" SET "status" = 'pending', "attempts" = 0, "next_attempt_at" = now(), "last_error" = NULL, "last_status" = NULL
       WHERE "status" = 'failed' AND ($1::uuid IS NULL OR "id" = $1) RETURNING "id"`,
      [id ?? null],
    );
    return returnedRows(rows).length;
  }

  /** Drops delivered rows older than `deliveredBefore` and failed ones older than `failedBefore`. */
  async purge(deliveredBefore: Date, failedBefore: Date): Promise<number> {
    const rows = await this.dataSource.query(
      `DELETE FROM "webhook_delivery" WHERE ("status" = 'delivered' AND "delivered_at" < $1) OR ("status" = 'failed' AND "created_at" < $2) RETURNING "id"`,
      [deliveredBefore.toISOString(), failedBefore.toISOString()],
    );
    return returnedRows(rows).length;
  }
}
