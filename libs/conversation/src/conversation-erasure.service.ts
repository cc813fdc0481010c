import { Injectable, Logger } from '@nestjs/common';
import { AuditService } from '@app/auth';
import { AuthUser, ConversationNotFoundError } from '@app/contracts';
import { ConversationEntity, ConversationRepository, TrainingExampleRepository, TransactionService } from '@app/database';
import { ChatEmitter } from './chat-emitter';

/** What an erasure removed. */
export interface ErasureResult {
  conversationId: string;
  messages: number;
  trainingExamples: number;
}

/**
 * Erases one conversation on request (a customer's right to erasure, a conversation stored by mistake): its
 * messages, slot state, feedback and review items (the schema's cascades) and the training examples labelled
 * from it, which copy the customer's words. One transaction, under the conversation's row lock, so a turn of
 * another instance either commits before it or finds the conversation gone. The audit entry records who, when
 * and how much, never the text. Models already trained on those examples keep what they learnt until the next
 * retraining (docs/api-agent.md).
 */
@Injectable()
export class ConversationErasureService {
  private readonly logger = new Logger('ConversationErasure');

  constructor(
    private readonly tx: TransactionService,
    private readonly conversations: ConversationRepository,
    private readonly examples: TrainingExampleRepository,
    private readonly audit: AuditService,
    private readonly emitter: ChatEmitter,
  ) {}

  async erase(conversationId: string, actor: AuthUser, reason?: string): Promise<ErasureResult> {
    return (await this.eraseIf(conversationId, actor, reason, () => true))!;
  }

  /**
   * Retention (CONVERSATION_RETENTION_DAYS): erases the conversation if it is still resolved with no activity since
   * `before` (checked under its lock); null when it is not (any more), or is gone. Audited without an actor.
   */
  async eraseExpired(conversationId: string, before: Date): Promise<ErasureResult | null> {
    try {
      return await this.eraseIf(conversationId, null, 'retention: CONVERSATION_RETENTION_DAYS', (c) => c.status === 'closed' && c.updatedAt < before);
    } catch (error) {
      if (error instanceof ConversationNotFoundError) return null;
      throw error;
    }
  }

  private async eraseIf(conversationId: string, actor: AuthUser | null, reason: string | undefined, ok: (c: ConversationEntity) => boolean): Promise<ErasureResult | null> {
    const result = await this.tx.run(async (m) => {
      const conversation = await this.conversations.lockForUpdate(m, conversationId);
      if (!conversation) throw new ConversationNotFoundError();
      if (!ok(conversation)) return null;
      const trainingExamples = await this.examples.deleteForConversation(m, conversationId);
      const { messages } = await this.conversations.delete(m, conversationId);
      await this.audit.record(
        {
          actor,
          action: 'conversation.delete',
          targetType: 'conversation',
          targetId: conversationId,
          before: { status: conversation.status, messages, createdAt: conversation.createdAt.toISOString() },
          after: { trainingExamplesDeleted: trainingExamples },
          reason,
        },
        m,
      );
      return { conversationId, messages, trainingExamples };
    });
    if (!result) return null;
    this.emitter.conversationDeleted(conversationId);
    this.logger.log({ event: 'conversation.deleted', ...result, userId: actor?.id ?? null });
    return result;
  }
}
