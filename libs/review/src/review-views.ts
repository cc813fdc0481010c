import type { EntitySpan, MessageView, ReviewDetailView, ReviewItemView } from '@app/contracts';
import type { ReviewRow, TrainingExampleEntity } from '@app/database';

export function toReviewItemView(row: ReviewRow): ReviewItemView {
  return {
    id: row.id,
    status: row.status,
    reason: row.reason,
    conversationId: row.conversationId,
    messageId: row.inboundId,
    text: row.text,
    replyId: row.replyId,
    route: row.route,
    intent: row.intent,
    confidence: row.confidence,
    createdAt: row.createdAt.toISOString(),
    decidedAt: row.decidedAt?.toISOString() ?? null,
    decidedBy: row.decidedBy,
  };
}

export function toReviewDetailView(row: ReviewRow, context: MessageView[], label: TrainingExampleEntity | null): ReviewDetailView {
  return {
    ...toReviewItemView(row),
    ranking: row.ranking,
    entities: row.entities,
    modelVersion: row.modelVersion,
    context,
    label: label ? { intent: label.intent, entities: label.entities, createdBy: label.createdBy, updatedAt: label.updatedAt.toISOString() } : null,
  };
}

/** The predicted entities as plain spans (what a confirmation labels). */
export const toSpans = (entities: ReadonlyArray<{ start: number; end: number; label: string }>): EntitySpan[] =>
  entities.map((e) => ({ start: e.start, end: e.end, label: e.label }));
