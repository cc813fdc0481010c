import { Injectable, Logger } from '@nestjs/common';
import { AuditService } from '@app/auth';
import {
  AuthUser,
  DomainError,
  EntitySpan,
  ErrorCode,
  keysetPage,
  ReviewDecisionPayload,
  ReviewDecisionResult,
  ReviewDetailView,
  ReviewItemView,
  ReviewPage,
  ValidationFailedError,
} from '@app/contracts';
import { toMessageView } from '@app/conversation';
import { MessageRepository, ReviewFilter, ReviewItemRepository, ReviewQueueRepository, TrainingExampleRepository, TransactionService } from '@app/database';
import { toReviewDetailView, toReviewItemView, toSpans } from './review-views';

const NAME = /^[A-Za-z0-9][\w.:-]{0,127}$/;

export class ReviewItemNotFoundError extends DomainError {
  constructor() {
    super(ErrorCode.ReviewItemNotFound, 'No such review item', 404);
  }
}

/**
 * The agent review queue: list and filter, show one turn with the model's full prediction, and turn a
 * reviewer's decision (confirm, or correct the intent and/or entity spans) into a labelled training example.
 */
@Injectable()
export class ReviewService {
  private readonly logger = new Logger('Review');

  constructor(
    private readonly queue: ReviewQueueRepository,
    private readonly items: ReviewItemRepository,
    private readonly messages: MessageRepository,
    private readonly examples: TrainingExampleRepository,
    private readonly tx: TransactionService,
    private readonly audit: AuditService,
  ) {}

  async list(filter: Omit<ReviewFilter, 'beforeId'> & { cursor?: string }): Promise<ReviewPage> {
    const rows = await this.queue.list({ ...filter, beforeId: filter.cursor, limit: filter.limit + 1 });
    return keysetPage(rows.map(toReviewItemView), filter.limit);
  }

  async get(id: string): Promise<ReviewDetailView> {
    const row = await this.queue.findById(id);
    if (!row) throw new ReviewItemNotFoundError();
    const [context, label] = await Promise.all([this.queue.context(row.conversationId, row.inboundSeq), this.examples.findByMessageId(row.inboundId)]);
    return toReviewDetailView(row, context.map(toMessageView), label);
  }

  async findByMessage(messageId: string): Promise<ReviewItemView | null> {
    const row = await this.queue.findByMessageId(messageId);
    return row ? toReviewItemView(row) : null;
  }

  /**
   * Confirms the prediction or corrects it. Writes (or, on a re-review, replaces) the training example of the
   * customer message with who and when, marks the item decided and audits before/after, in one transaction.
   */
  async decide(id: string, payload: ReviewDecisionPayload, user: AuthUser): Promise<ReviewDecisionResult> {
    const result = await this.tx.run(async (m) => {
      if (!(await this.queue.lockForUpdate(m, id))) throw new ReviewItemNotFoundError();
      const row = (await this.queue.findById(id, m))!;
      const label = this.label(row.text, row.intent, toSpans(row.entities), payload);
      const status = payload.action === 'confirm' ? 'confirmed' : 'corrected';
      const { example, previous } = await this.examples.upsertForMessage(
        { ...label, text: row.text, source: 'review', messageId: row.inboundId, conversationId: row.conversationId, createdBy: user.id },
        m,
      );
      await this.queue.markDecided(m, id, status, user.id);
      const after = (await this.queue.findById(id, m))!;
      await this.audit.record(
        {
          actor: user,
          action: `review.${payload.action}`,
          targetType: 'review_item',
          targetId: id,
          before: { status: row.status, label: previous ? { intent: previous.intent, entities: previous.entities } : null, predicted: { intent: row.intent, entities: toSpans(row.entities) } },
          after: { status, label, trainingExampleId: example.id },
        },
        m,
      );
      return { item: toReviewItemView(after), trainingExampleId: example.id };
    });
    this.logger.log({ event: 'review.decided', reviewItemId: id, action: payload.action, userId: user.id });
    return result;
  }

  /** The label a decision stands for; refuses what cannot be a training example. */
  private label(text: string, predicted: string | null, predictedSpans: EntitySpan[], payload: ReviewDecisionPayload): { intent: string; entities: EntitySpan[] } {
    if (payload.action === 'confirm') {
      if (payload.intent !== undefined || payload.entities !== undefined) throw new ValidationFailedError('confirm takes no intent or entities: use action "correct"');
      if (!predicted) throw new ValidationFailedError('Nothing was predicted for this message: use action "correct" with an intent');
      return { intent: predicted, entities: predictedSpans };
    }
    if (payload.intent === undefined && payload.entities === undefined) throw new ValidationFailedError('correct needs an intent, entities or both');
    const intent = payload.intent ?? predicted;
    if (!intent) throw new ValidationFailedError('Nothing was predicted for this message: give an intent');
    if (!NAME.test(intent)) throw new ValidationFailedError('intent must be 1-128 letters, digits, _ . : -');
    const entities = payload.entities ?? predictedSpans;
    checkSpans(text, entities);
    return { intent, entities: [...entities].sort((a, b) => a.start - b.start).map((e) => ({ start: e.start, end: e.end, label: e.label })) };
  }

  /**
   * An agent flags a turn for review: a bot reply, or a customer message (then its bot reply if it has one, so
   * a turn is queued once). Returns the queue item and whether it was queued just now.
   */
  async flag(messageId: string, user: AuthUser, reason?: string): Promise<{ item: ReviewItemView; queued: boolean; queuedMessageId: string }> {
    const message = await this.messages.findById(messageId);
    if (!message) throw new DomainError(ErrorCode.MessageNotFound, 'No such message', 404);
    if (message.author !== 'customer' && message.author !== 'bot') {
      throw new DomainError(ErrorCode.FeedbackNotAllowed, 'Only customer messages and bot replies can be flagged', 409);
    }
    const target = message.author === 'customer' ? ((await this.queue.botReplyTo(message.id)) ?? message.id) : message.id;
    const queued = await this.tx.run(async (m) => {
      const created = await this.items.enqueue(m, { messageId: target, conversationId: message.conversationId, reason: 'flagged' });
      if (created) await this.audit.record({ actor: user, action: 'review.flag', targetType: 'message', targetId: target, after: { reason: 'flagged' }, reason }, m);
      return created;
    });
    const row = (await this.queue.findByMessageId(target))!;
    return { item: toReviewItemView(row), queued, queuedMessageId: target };
  }
}

/** Spans inside the text, non-empty, not overlapping, with well-formed labels. */
export function checkSpans(text: string, spans: readonly EntitySpan[]): void {
  const sorted = [...spans].sort((a, b) => a.start - b.start);
  sorted.forEach((s, i) => {
    if (!Number.isInteger(s.start) || !Number.isInteger(s.end) || s.start < 0 || s.end > text.length || s.start >= s.end) {
      throw new ValidationFailedError(`Entity span ${s.start}-${s.end} is outside the text (length ${text.length}) or empty`);
    }
    if (!NAME.test(s.label)) throw new ValidationFailedError(`Entity label "${s.label}" must be 1-128 letters, digits, _ . : -`);
    if (i > 0 && s.start < sorted[i - 1].end) throw new ValidationFailedError(`Entity spans ${sorted[i - 1].start}-${sorted[i - 1].end} and ${s.start}-${s.end} overlap`);
  });
}
