import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** Raw counts of one analytics period (see buildAnalyticsSummary in the server, which turns them into rates). */
export interface AnalyticsCounts {
  conversations: { started: number; handedOff: number };
  routes: Array<{ route: string; n: number }>;
  feedback: Array<{ rating: string; n: number }>;
  csat: { responses: number; sum: number; satisfied: number };
  csatByAgent: Array<{ agentId: string | null; name: string | null; responses: number; sum: number; satisfied: number }>;
  reviewPending: number;
  intents: Array<{ intent: string; turns: number; answered: number; fallback: number; thumbsDown: number }>;
  models: Array<{ version: string; firstSeen: Date; turns: number; answered: number; fallback: number; thumbsDown: number }>;
  daily: Array<{ date: string; turns: number; fallback: number }>;
  dailyConversations: Array<{ date: string; n: number }>;
}

/** Bot replies of the period with their thumbs down ($1 from, $2 to), the base of every per-group count. */
const REPLIES = `SELECT m."intent", m."model_version", m."route", m."created_at", f."rating"
  FROM "message" m LEFT JOIN "feedback" f ON f."message_id" = m."id"
 WHERE m."author" = 'bot' AND m."created_at" >= $1 AND m."created_at" < $2`;

/**
 * Conversations of the period in which the customer wrote ($1 from, $2 to, alias c). Live ones only, resolved ones
 * included: imported transcripts (stored closed) are told apart by their source.
 */
const LIVE_CONVERSATIONS = `c."created_at" >= $1 AND c."created_at" < $2 AND c."metadata"->>'source' IS DISTINCT FROM 'transcript_import' AND c."last_customer_seq" > 0`;

const COUNTS = `count(*)::int AS "turns",
  count(*) FILTER (WHERE r."route" IN ('template', 'slot_prompt', 'retrieval'))::int AS "answered",
  count(*) FILTER (WHERE r."route" = 'fallback')::int AS "fallback",
  count(*) FILTER (WHERE r."rating" = 'down')::int AS "thumbsDown"`;

/** Read-only aggregate queries over the conversation tables for the admin's analytics (a few scans per request). */
@Injectable()
export class AnalyticsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async counts(from: Date, to: Date): Promise<AnalyticsCounts> {
    const q = <T>(sql: string, params: unknown[] = [from, to]) => this.dataSource.query(sql, params) as Promise<T[]>;
    // Handed off = with a person now, or given back to the bot since (bot_since_seq moves past 0 only then).
    const [conversations] = await q<{ started: number; handedOff: number }>(
      `SELECT count(*)::int AS "started",
              count(*) FILTER (WHERE c."status" IN ('handoff_requested', 'agent') OR c."bot_since_seq" > 0)::int AS "handedOff"
         FROM "conversation" c
        WHERE ${LIVE_CONVERSATIONS}`,
    );
    const routes = await q<{ route: string; n: number }>(`SELECT coalesce(r."route", 'fallback') AS "route", count(*)::int AS "n" FROM (${REPLIES}) r GROUP BY 1`);
    const feedback = await q<{ rating: string; n: number }>(`SELECT "rating", count(*)::int AS "n" FROM "feedback" WHERE "created_at" >= $1 AND "created_at" < $2 GROUP BY 1`);
    const [csat] = await q<{ responses: number; sum: number; satisfied: number }>(
      `SELECT count(*)::int AS "responses", coalesce(sum("rating"), 0)::int AS "sum", count(*) FILTER (WHERE "rating" >= 4)::int AS "satisfied"
         FROM "csat_response" WHERE "created_at" >= $1 AND "created_at" < $2`,
    );
    const csatByAgent = await q<AnalyticsCounts['csatByAgent'][number]>(
      `SELECT r."agent_id" AS "agentId", u."name" AS "name", count(*)::int AS "responses", sum(r."rating")::int AS "sum",
              count(*) FILTER (WHERE r."rating" >= 4)::int AS "satisfied"
         FROM "csat_response" r LEFT JOIN "app_user" u ON u."id" = r."agent_id"
        WHERE r."created_at" >= $1 AND r."created_at" < $2
        GROUP BY r."agent_id", u."name" ORDER BY "responses" DESC, u."name" LIMIT 20`,
    );
    const [review] = await q<{ n: number }>(`SELECT count(*)::int AS "n" FROM "review_item" WHERE "status" = 'pending'`, []);
    const intents = await q<AnalyticsCounts['intents'][number]>(
      `SELECT r."intent", ${COUNTS} FROM (${REPLIES}) r WHERE r."intent" IS NOT NULL GROUP BY r."intent" ORDER BY "turns" DESC, r."intent" LIMIT 10`,
    );
    const models = await q<AnalyticsCounts['models'][number]>(
      `SELECT r."model_version" AS "version", min(r."created_at") AS "firstSeen", ${COUNTS}
         FROM (${REPLIES}) r WHERE r."model_version" IS NOT NULL GROUP BY r."model_version" ORDER BY "firstSeen" DESC LIMIT 5`,
    );
    const daily = await q<AnalyticsCounts['daily'][number]>(
      `SELECT to_char(r."created_at" AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS "date", count(*)::int AS "turns",
              count(*) FILTER (WHERE r."route" = 'fallback')::int AS "fallback"
         FROM (${REPLIES}) r GROUP BY 1 ORDER BY 1`,
    );
    const dailyConversations = await q<{ date: string; n: number }>(
      `SELECT to_char(c."created_at" AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS "date", count(*)::int AS "n" FROM "conversation" c
        WHERE ${LIVE_CONVERSATIONS} GROUP BY 1`,
    );
    return {
      conversations: conversations ?? { started: 0, handedOff: 0 },
      routes,
      feedback,
      csat: csat ?? { responses: 0, sum: 0, satisfied: 0 },
      csatByAgent,
      reviewPending: review?.n ?? 0,
      intents,
      models: models.map((m) => ({ ...m, firstSeen: new Date(m.firstSeen) })),
      daily,
      dailyConversations,
    };
  }
}
