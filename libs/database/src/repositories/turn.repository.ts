import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { escapeLiteral, Pool, PoolConfig } from 'pg';
import { DataSource } from 'typeorm';
import type { ReplyRoute, ReviewReason } from '@app/contracts';
import { MessageEntity } from '../entities/message.entity';
import { findByClientMessageId, NewMessage } from './message.repository';
import { SlotStateEntity } from '../entities/slot-state.entity';
import { isEmbeddedDatabase } from '../data-source';
import { GroupCommit, inTransaction, onPool, PgPool, poolSql, preparedQuery, Sql } from './prepared-query';
import { isUniqueViolation } from './pg-errors';
import { toMessage, toSlotState } from './row-mappers';
import { SlotStateInput } from './slot-state.repository';

export type AppendInboundResult =
  | { kind: 'stored'; message: MessageEntity }
  | { kind: 'duplicate'; message: MessageEntity }
  | { kind: 'not_found' }
  | { kind: 'closed' };

export type SlotChange = { kind: 'keep' } | { kind: 'clear' } | { kind: 'set'; state: Omit<SlotStateInput, 'conversationId'> };

/** A bot reply as the turn stores it: `replyToSeq` is the seq of the message it answers. */
export type NewBotReply = Omit<NewMessage, 'seq' | 'direction' | 'author'> & { replyToId: string; replyToSeq: number };

/** A stored bot reply, and the review item its statement queued (null: none asked for, or one was there already). */
export interface StoredReply {
  message: MessageEntity;
  reviewItem: { id: string; createdAt: Date } | null;
}

/** The messages a turn owes an answer and what it answers them in (see {@link TurnSession.listUnanswered}). */
export interface Unanswered {
  messages: MessageEntity[];
  /** The open slot question, unexpired. */
  slot: SlotStateEntity | null;
  /** Route of the bot reply the first message directly follows (null: it follows something else, or nothing). */
  previousRoute: ReplyRoute | null;
}

/** What a turn reads and writes while it holds its conversation (see {@link TurnRepository.withConversation}). */
export interface TurnSession {
  listUnanswered(conversationId: string, now: Date): Promise<Unanswered>;
  appendBotReply(reply: NewBotReply, slot: SlotChange, review: ReviewReason | null): Promise<StoredReply | null>;
}

/** First key of the advisory locks that hold a conversation's turn (the second is the conversation id's hash). */
const TURN_LOCK_CLASS = 0x5054;
/**
 * What a turn's INSERT returns: the columns the database fills in (and the `real` ones, which it rounds). The rest
 * of the row is what the statement was given, so reading it back would only pay for parsing it (the ranking and
 * entities are JSON).
 */
const STORED = '"id", "seq", "created_at"';
const json = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v));

/** The sweep's statement ($1: seconds owed, $2: limit); exported so a test can check its plan uses IDX_conversation_owed. */
export const FIND_STALLED_SQL = `SELECT c."id" FROM "conversation" c
  WHERE c."status" = 'bot' AND c."last_customer_seq" > c."answered_seq"
    AND c."updated_at" < now() - make_interval(secs => $1::int)
    AND c."updated_at" > now() - interval '1 day'
  ORDER BY c."updated_at" LIMIT $2`;

/**
 * The writes of one turn, each a single SQL statement (data-modifying CTEs): atomic without an explicit
 * transaction, one round trip each, which is what keeps the embedded single-session PGlite fast.
 * The UPDATE of the conversation row allocates the seq and holds the row lock until the statement commits,
 * so concurrent writers of one conversation (also on other instances) are serialised.
 */
@Injectable()
export class TurnRepository implements OnApplicationShutdown {
  private readonly pooled: TurnStatements;
  // Turns hold their connection while they decide, and deciding may query (retrieval, a template snapshot): with
  // one pool, enough concurrent turns would each wait for a second connection the others hold. Their own pool
  // cannot deadlock that way, and its size caps the turns in flight per instance.
  private turnPool: Pool | null = null;
  /** The turn statements on the turns' pool without a transaction (appendReplyIfLatest). */
  private unlocked: TurnStatements | null = null;
  // Turns wait for a connection here, in order and without a deadline, rather than in the pool: the pool's
  // checkout timeout would fail (and retry, and sweep) the turns of a busy instance instead of just queueing them.
  private readonly slots = new Slots();

  // On the embedded PGlite the turn's writes (inbound messages, replies) of concurrent conversations share commits.
  private readonly write: Sql;

  constructor(private readonly dataSource: DataSource) {
    this.write = isEmbeddedDatabase(dataSource) ? new GroupCommit(dataSource).sql : poolSql(dataSource);
    this.pooled = new TurnStatements(this.write);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.turnPool?.end();
    this.turnPool = null;
    this.unlocked = null;
  }

  /**
   * Runs one turn of a conversation while holding it against every other server instance: a transaction with
   * `pg_advisory_xact_lock` on the conversation, so two instances never answer one conversation at once and each
   * reads what the other committed. The reply is durable once this returns (emit it only then). With
   * `onlyIfFree`, a conversation another instance is working on is left alone (`ran: false`).
   *
   * On the embedded PGlite there is no lock to take: only this process can open it, the caller's in-process queue
   * orders the turns, and each statement commits on its own.
   */
  async withConversation<T>(conversationId: string, work: (session: TurnSession) => Promise<T>, opts: { onlyIfFree?: boolean } = {}): Promise<{ ran: true; value: T } | { ran: false }> {
    if (isEmbeddedDatabase(this.dataSource)) return { ran: true, value: await work(this.pooled) };
    let ran = true;
    const pool = this.pool();
    await this.slots.acquire();
    // BEGIN and the lock in one round trip: a turn holds its connection (and its slot) from here to COMMIT, and on
    // a loaded instance every round trip also waits for the event loop, so each one saved shortens the queue.
    const lock = opts.onlyIfFree ? 'pg_try_advisory_xact_lock' : 'pg_advisory_xact_lock';
    const begin = `BEGIN; SELECT ${lock}(${TURN_LOCK_CLASS}, hashtext(${escapeLiteral(conversationId)})) AS "locked"`;
    const value = await inTransaction(
      pool,
      async (sql, begun) => {
        ran = !opts.onlyIfFree || begun[0]?.locked === true;
        return ran ? work(new TurnStatements(sql)) : undefined;
      },
      begin,
    ).finally(() => this.slots.release());
    return ran ? { ran: true, value: value as T } : { ran: false };
  }

  private pool(): PgPool {
    if (!this.turnPool) {
      const options = this.dataSource.options as { url?: string; poolSize?: number; extra?: PoolConfig };
      const max = options.poolSize ?? 10;
      this.slots.size = max;
      // The request pool's connection settings (checkout timeout, keep-alive, idle timeout: see openPostgres).
      this.turnPool = new Pool({ ...options.extra, connectionString: options.url, max });
      // An idle connection PostgreSQL dropped emits 'error' on the pool: unhandled, that would crash the process.
      this.turnPool.on('error', (error) => new Logger('TurnRepository').warn({ event: 'database.pool_error', pool: 'turns', message: error.message }));
    }
    return this.turnPool as unknown as PgPool;
  }

  /**
   * Conversations the bot has owed an answer for longer than `olderThanSeconds` (it has them, and a customer message
   * is newer than the last one it answered), oldest first. Only those active in the last day; older ones are answered
   * on resume. The partial index IDX_conversation_owed holds exactly the owing conversations, so a sweep reads those
   * and nothing else, however many conversations there are.
   */
  async findStalled(olderThanSeconds: number, limit: number): Promise<string[]> {
    const rows = await preparedQuery(this.dataSource, 'turn.find_stalled', FIND_STALLED_SQL, [olderThanSeconds, limit]);
    return rows.map((r) => r.id as string);
  }

  /** Stores a customer message; the same clientMessageId returns the stored row (unique index, also under races). */
  async appendInbound(conversationId: string, clientMessageId: string, text: string): Promise<AppendInboundResult> {
    try {
      const rows = await this.write(
        'turn.append_inbound',
        `WITH conv AS (
           UPDATE "conversation" SET "last_seq" = "last_seq" + 1, "last_customer_seq" = "last_seq" + 1, "updated_at" = now()
            WHERE "id" = $1 AND "status" <> 'closed'
              AND NOT EXISTS (SELECT 1 FROM "message" WHERE "conversation_id" = $1 AND "client_message_id" = $2)
           RETURNING "last_seq")
         INSERT INTO "message" ("conversation_id", "seq", "direction", "author", "text", "client_message_id")
         SELECT $1, conv."last_seq", 'in', 'customer', $3, $2 FROM conv
         RETURNING ${STORED}`,
        [conversationId, clientMessageId, text],
      );
      if (rows[0]) {
        const row = { ...rows[0], conversation_id: conversationId, direction: 'in', author: 'customer', text, client_message_id: clientMessageId };
        return { kind: 'stored', message: toMessage(row) };
      }
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
    }
    return this.explainNoInsert(conversationId, clientMessageId);
  }

  private async explainNoInsert(conversationId: string, clientMessageId: string): Promise<AppendInboundResult> {
    const existing = await findByClientMessageId(this.dataSource, conversationId, clientMessageId);
    if (existing) return { kind: 'duplicate', message: existing };
    const conversation = await this.dataSource.query(`SELECT "status" FROM "conversation" WHERE "id" = $1`, [conversationId]);
    return conversation[0] ? { kind: 'closed' } : { kind: 'not_found' };
  }

  /** {@link TurnSession.appendBotReply} outside a turn lock (each statement commits on its own). */
  appendBotReply(reply: NewBotReply, slot: SlotChange, review: ReviewReason | null): Promise<StoredReply | null> {
    return this.pooled.appendBotReply(reply, slot, review);
  }

  /**
   * Stores the reply without holding the conversation, only if the message it answers is still the conversation's
   * latest (`last_seq` = `replyToSeq`: nothing took a seq since, on any instance) and the other conditions of
   * {@link TurnSession.appendBotReply} hold. The UPDATE checks that on the row it locks (PostgreSQL re-checks it
   * on the newest version when another writer got there first), so a turn that knows the conversation's state
   * (TurnContextCache) needs one round trip instead of BEGIN + lock, the reply and COMMIT. Null: not stored; the
   * caller takes the locked path, which reads what happened.
   */
  async appendReplyIfLatest(reply: NewBotReply, slot: SlotChange, review: ReviewReason | null): Promise<StoredReply | null> {
    if (isEmbeddedDatabase(this.dataSource)) return this.pooled.appendBotReply(reply, slot, review, true);
    // On the turns' pool and behind their slots like a locked turn: the slots, not a checkout timeout, queue a busy instance.
    const statements = (this.unlocked ??= new TurnStatements(onPool(this.pool())));
    await this.slots.acquire();
    try {
      return await statements.appendBotReply(reply, slot, review, true);
    } finally {
      this.slots.release();
    }
  }

  /** {@link TurnSession.listUnanswered} outside a turn lock. */
  listUnanswered(conversationId: string, now: Date): Promise<Unanswered> {
    return this.pooled.listUnanswered(conversationId, now);
  }
}

/** The statements of a turn, on the pool or on the connection that holds the turn's lock. */
class TurnStatements implements TurnSession {
  constructor(private readonly sql: Sql) {}

  /**
   * Stores the bot's reply to `reply.replyToId` together with the slot-state change and the review item, whose id
   * comes back so that agent consoles can be told without reading it again.
   * Returns null (and writes nothing) when the message was answered already, the conversation left the bot
   * (handed off, closed) in the meantime, or the message was sent while a human had it (`bot_since_seq`); with
   * `ifLatest`, also when anything took a seq after the message (see {@link TurnRepository.appendReplyIfLatest}).
   */
  async appendBotReply(reply: NewBotReply, slot: SlotChange, review: ReviewReason | null, ifLatest = false): Promise<StoredReply | null> {
    const set = slot.kind === 'set' ? slot.state : null;
    try {
      const rows = await this.sql(
        'turn.append_bot_reply',
        `WITH conv AS (
           UPDATE "conversation" SET "last_seq" = "last_seq" + 1, "answered_seq" = greatest("answered_seq", $21), "updated_at" = now()
            WHERE "id" = $1 AND "status" = 'bot' AND "bot_since_seq" < $21 AND (NOT $22::boolean OR "last_seq" = $21)
              AND NOT EXISTS (SELECT 1 FROM "message" WHERE "reply_to_id" = $2 AND "author" = 'bot')
           RETURNING "last_seq"),
         reply AS (
           INSERT INTO "message" ("conversation_id", "seq", "direction", "author", "text", "reply_to_id", "route", "intent",
             "confidence", "ranking", "entities", "model_version", "nlu_latency_ms", "reply_latency_ms", "sources", "suggestions")
           SELECT $1, conv."last_seq", 'out', 'bot', $3, $2, $4, $5, $6, $7, $8, $9, $10, $11, $12, $23 FROM conv
           RETURNING ${STORED}, "confidence", "nlu_latency_ms", "reply_latency_ms"),
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
           ON CONFLICT ("message_id") DO NOTHING
           RETURNING "id", "created_at")
         SELECT reply.*, review."id" AS "review_id", review."created_at" AS "review_created_at" FROM reply LEFT JOIN review ON true`,
        [
          reply.conversationId, reply.replyToId, reply.text, reply.route ?? null, reply.intent ?? null, reply.confidence ?? null,
          json(reply.ranking), json(reply.entities), reply.modelVersion ?? null, reply.nluLatencyMs ?? null, reply.replyLatencyMs ?? null,
          json(reply.sources), slot.kind,
          set?.intent ?? null, set?.templateId ?? null, json(set?.filled ?? null), json(set?.missing ?? null), set?.asked ?? null, set?.expiresAt ?? null,
          review, reply.replyToSeq, ifLatest, json(reply.suggestions),
        ],
      );
      if (!rows[0]) return null;
      const { review_id: reviewId, review_created_at: reviewCreatedAt, ...stored } = rows[0];
      const message = toMessage({
        ...stored,
        conversation_id: reply.conversationId,
        direction: 'out',
        author: 'bot',
        text: reply.text,
        reply_to_id: reply.replyToId,
        route: reply.route,
        intent: reply.intent,
        ranking: reply.ranking,
        entities: reply.entities,
        model_version: reply.modelVersion,
        sources: reply.sources,
        suggestions: reply.suggestions,
      });
      return { message, reviewItem: reviewId ? { id: reviewId as string, createdAt: new Date(reviewCreatedAt as string) } : null };
    } catch (error) {
      // Another writer answered this message first (unique index on reply_to_id for bot replies).
      if (isUniqueViolation(error)) return null;
      throw error;
    }
  }

  /**
   * Inbound customer messages the bot still owes an answer, oldest first (none unless the bot has the
   * conversation; none from before it got the conversation back from a human), with the conversation's open
   * slot question as of now and the route of the bot reply right before the first of them: one round trip. The
   * turn needs it only when it cannot tell from its own last reply that nothing else happened in the
   * conversation (see TurnService).
   */
  async listUnanswered(conversationId: string, now: Date): Promise<Unanswered> {
    const rows = await this.sql(
      'turn.list_unanswered',
      `SELECT m.*, to_jsonb(s) AS slot, p."route" AS previous_route FROM "message" m
         JOIN "conversation" c ON c."id" = m."conversation_id" AND c."status" = 'bot'
         LEFT JOIN "slot_state" s ON s."conversation_id" = m."conversation_id" AND s."expires_at" > $2
         LEFT JOIN "message" p ON p."conversation_id" = m."conversation_id" AND p."seq" = m."seq" - 1 AND p."author" = 'bot'
        WHERE m."conversation_id" = $1 AND m."author" = 'customer' AND m."seq" > c."bot_since_seq"
          AND NOT EXISTS (SELECT 1 FROM "message" r WHERE r."reply_to_id" = m."id" AND r."author" = 'bot')
        ORDER BY m."seq"`,
      [conversationId, now],
    );
    const slot = rows[0]?.slot ? toSlotState(typeof rows[0].slot === 'string' ? JSON.parse(rows[0].slot) : rows[0].slot) : null;
    return { messages: rows.map(toMessage), slot, previousRoute: (rows[0]?.previous_route as ReplyRoute | null | undefined) ?? null };
  }
}

/** A counting semaphore: at most `size` holders, the others wait in arrival order. */
class Slots {
  size = 10;
  private held = 0;
  private readonly waiting: Array<() => void> = [];

  acquire(): Promise<void> {
    if (this.held < this.size) {
      this.held++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.held--;
  }
}

