import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@app/config';
import { ConversationNotFoundError, Entity, IntentScore, ReplyDraftsView, ReplyDraftView } from '@app/contracts';
import { ConversationRepository, MessageEntity, MessageRepository } from '@app/database';
import { draftCandidates } from './policy';
import { NluPort, TemplatePort } from './ports';

/** How many of a conversation's latest messages the drafts read (the entities a customer gave earlier count too). */
export const DRAFT_CONTEXT_MESSAGES = 50;

/**
 * Drafts replies for the person who has a conversation: the answer templates of the intents the model ranks
 * likeliest on the customer's latest message, filled with the entities the customer gave in the recent messages
 * (the latest of each label). A bot that was not sure still knows which answers are close; the agent picks one,
 * edits it, and sends it as their own message.
 *
 * While a person has the conversation the bot does not read the customer's messages, so the latest one has no
 * stored ranking: it is parsed here, on request, and nothing is written.
 */
@Injectable()
export class ReplyDraftService {
  private readonly logger = new Logger('ReplyDrafts');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly conversations: ConversationRepository,
    private readonly messages: MessageRepository,
    private readonly nlu: NluPort,
    private readonly templates: TemplatePort,
  ) {}

  async forConversation(conversationId: string): Promise<ReplyDraftsView> {
    const conversation = await this.conversations.findById(conversationId);
    if (!conversation) throw new ConversationNotFoundError();
    const recent = await this.messages.listSince(conversationId, Math.max(0, conversation.lastSeq - DRAFT_CONTEXT_MESSAGES), DRAFT_CONTEXT_MESSAGES);
    const fromCustomer = recent.filter((m) => m.direction === 'in' && m.author === 'customer').reverse();
    const latest = fromCustomer[0];
    if (!latest) return { basedOn: null, items: [] };
    const understood = await this.understand(latest);
    if (!understood) return { basedOn: null, items: [] };
    const entities: Entity[] = [...understood.entities, ...fromCustomer.slice(1).flatMap((m) => m.entities ?? [])];
    const items: ReplyDraftView[] = [];
    for (const intent of draftCandidates(understood.ranking, new Set(this.config.chat.handoffIntents))) {
      const draft = await this.templates.draft(intent, entities, `${conversationId}:${latest.seq}`);
      const confidence = understood.ranking.find((r) => r.name === intent)!.confidence;
      if (draft) items.push({ intent, confidence, ...draft });
    }
    return { basedOn: { messageId: latest.id, seq: latest.seq, text: latest.text }, items };
  }

  /** The stored ranking of the bot's turn, or a parse now (a message the bot never read); null when the NLU fails. */
  private async understand(message: MessageEntity): Promise<{ ranking: IntentScore[]; entities: Entity[] } | null> {
    if (message.ranking && message.ranking.length > 0) return { ranking: message.ranking, entities: message.entities ?? [] };
    try {
      const parsed = await this.nlu.parse(message.text);
      return { ranking: parsed.ranking, entities: parsed.entities };
    } catch (error) {
      this.logger.warn({ event: 'drafts.nlu_failed', code: (error as { code?: string }).code ?? 'UNKNOWN' });
      return null;
    }
  }
}
