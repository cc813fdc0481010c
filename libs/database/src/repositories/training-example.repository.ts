import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { EntitySpan, TrainingExampleSource } from '@app/contracts';
import { TrainingExampleEntity } from '../entities/training-example.entity';

/** A training example to write; the database assigns id and timestamps. */
export interface NewTrainingExample {
  text: string;
  intent: string;
  entities: EntitySpan[];
  source: TrainingExampleSource;
  messageId?: string | null;
  conversationId?: string | null;
  createdBy?: string | null;
}

type Row = Record<string, any>;

export function toTrainingExample(r: Row): TrainingExampleEntity {
  return Object.assign(new TrainingExampleEntity(), {
    id: r.id,
    text: r.text,
    intent: r.intent,
    entities: (typeof r.entities === 'string' ? JSON.parse(r.entities) : r.entities) ?? [],
    source: r.source,
    messageId: r.message_id ?? null,
    conversationId: r.conversation_id ?? null,
    createdBy: r.created_by ?? null,
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
  });
}

/** Rows per INSERT in {@link TrainingExampleRepository.insertMany} (one JSON parameter each). */
const INSERT_BATCH = 1000;

/** Labelled utterances: written by review decisions and imports, read by retraining. */
@Injectable()
export class TrainingExampleRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Deletes the examples labelled from one conversation (reviewed or imported turns); returns how many. By either
   * link: `conversation_id` is optional on an example, and deleting the messages would only null `message_id`
   * (ON DELETE SET NULL), leaving the customer's words behind with nothing pointing at them.
   */
  async deleteForConversation(manager: EntityManager, conversationId: string): Promise<number> {
    const rows = await manager.query(
      `WITH gone AS (
         DELETE FROM "training_example"
          WHERE "conversation_id" = $1 OR "message_id" IN (SELECT "id" FROM "message" WHERE "conversation_id" = $1)
         RETURNING 1)
       SELECT count(*)::int AS "n" FROM gone`,
      [conversationId],
    );
    return Number(rows[0].n);
  }

  /**
   * Writes the label of one reviewed message: inserts it, or replaces the earlier label of the same message
   * (a re-review). Returns the stored row and the one it replaced (for the audit log).
   */
  async upsertForMessage(
    input: NewTrainingExample & { messageId: string },
    manager?: EntityManager,
  ): Promise<{ example: TrainingExampleEntity; previous: TrainingExampleEntity | null }> {
    const rows = await (manager ?? this.dataSource.manager).query(
      `WITH prev AS (SELECT * FROM "training_example" WHERE "message_id" = $6)
       INSERT INTO "training_example" ("text", "intent", "entities", "source", "conversation_id", "message_id", "created_by")
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT ("message_id") WHERE "message_id" IS NOT NULL DO UPDATE SET
         "text" = EXCLUDED."text", "intent" = EXCLUDED."intent", "entities" = EXCLUDED."entities", "source" = EXCLUDED."source",
         "conversation_id" = EXCLUDED."conversation_id", "created_by" = EXCLUDED."created_by", "updated_at" = now()
       RETURNING *, (SELECT to_jsonb(prev) FROM prev) AS previous`,
      [input.text, input.intent, JSON.stringify(input.entities), input.source, input.conversationId ?? null, input.messageId, input.createdBy ?? null],
    );
    const previous = rows[0].previous ? toTrainingExample(typeof rows[0].previous === 'string' ? JSON.parse(rows[0].previous) : rows[0].previous) : null;
    return { example: toTrainingExample(rows[0]), previous };
  }

  /**
   * Inserts many examples (imports). An example whose messageId already has a label is skipped, never
   * overwritten. Returns how many rows were inserted.
   */
  async insertMany(items: readonly NewTrainingExample[], manager?: EntityManager): Promise<number> {
    let inserted = 0;
    for (let i = 0; i < items.length; i += INSERT_BATCH) {
      const batch = items.slice(i, i + INSERT_BATCH).map((e) => ({
        text: e.text,
        intent: e.intent,
        entities: e.entities,
        source: e.source,
        message_id: e.messageId ?? null,
        conversation_id: e.conversationId ?? null,
        created_by: e.createdBy ?? null,
      }));
      const rows = await (manager ?? this.dataSource.manager).query(
        `INSERT INTO "training_example" ("text", "intent", "entities", "source", "message_id", "conversation_id", "created_by")
         SELECT x."text", x."intent", coalesce(x."entities", '[]'::jsonb), x."source", x."message_id", x."conversation_id", x."created_by"
           FROM jsonb_to_recordset($1::jsonb) AS x("text" text, "intent" text, "entities" jsonb, "source" text, "message_id" uuid, "conversation_id" uuid, "created_by" uuid)
         ON CONFLICT ("message_id") WHERE "message_id" IS NOT NULL DO NOTHING
         RETURNING "id"`,
        [JSON.stringify(batch)],
      );
      inserted += rows.length;
    }
    return inserted;
  }

  /** Examples oldest first; `since` keeps those created or updated after it. */
  async list(filter: { since?: Date; source?: TrainingExampleSource; limit?: number } = {}): Promise<TrainingExampleEntity[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.since) where.push(`"updated_at" > $${params.push(filter.since)}`);
    if (filter.source) where.push(`"source" = $${params.push(filter.source)}`);
    const limit = filter.limit ? ` LIMIT $${params.push(filter.limit)}` : '';
    const rows = await this.dataSource.query(
      `SELECT * FROM "training_example"${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY "updated_at", "id"${limit}`,
      params,
    );
    return rows.map(toTrainingExample);
  }

  async findByMessageId(messageId: string, manager?: EntityManager): Promise<TrainingExampleEntity | null> {
    const rows = await (manager ?? this.dataSource.manager).query(`SELECT * FROM "training_example" WHERE "message_id" = $1`, [messageId]);
    return rows[0] ? toTrainingExample(rows[0]) : null;
  }

  async count(filter: { source?: TrainingExampleSource } = {}): Promise<number> {
    const rows = await this.dataSource.query(
      `SELECT count(*)::int AS n FROM "training_example"${filter.source ? ` WHERE "source" = $1` : ''}`,
      filter.source ? [filter.source] : [],
    );
    return Number(rows[0].n);
  }
}
