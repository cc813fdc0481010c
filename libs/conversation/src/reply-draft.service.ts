import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@app/config';
import { ConversationNotFoundError, Entity, NluResult, ReplyArticleDraftView, ReplyDraftsView, ReplyDraftView } from '@app/contracts';
import { ConversationRepository, MessageRepository } from '@app/database';
import { draftCandidates } from './policy';
import { articleReplyText, NluPort, RetrievalPort, TemplatePort } from './ports';

/** How many of a conversation's latest messages the drafts read (the entities a customer gave earlier count too). */
export const DRAFT_CONTEXT_MESSAGES = 50;
/** Articles drafted at most (those above the bot's own retrieval cut-off). */
export const MAX_ARTICLE_DRAFTS = 2;
/**
 * How many of the customer's latest messages are parsed when the bot never read them (sent while a person had the
 * conversation): "it's order 98765" and then "can you cancel it?" should draft the cancellation with that number.
 */
export const DRAFT_PARSED_MESSAGES = 5;

/**
 * Drafts replies for the person who has a conversation: the answer templates of the intents the model ranks
 * likeliest on the customer's latest message, filled with the entities the customer gave in the recent messages
 * (the latest of each label), and the knowledge-base articles the bot's search finds for it. A bot that was not sure
 * still knows which answers are close; the agent picks one, edits it, and sends it as their own message.
 *
 * The latest message is parsed on request, with the model active now: while a person has the conversation the bot
 * does not read the customer's messages at all, and the search needs the message's embedding, which is not stored.
 * Nothing is written.
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
    private readonly retrieval: RetrievalPort,
  ) {}

  async forConversation(conversationId: string): Promise<ReplyDraftsView> {
    const conversation = await this.conversations.findById(conversationId);
    if (!conversation) throw new ConversationNotFoundError();
    const recent = await this.messages.listSince(conversationId, Math.max(0, conversation.lastSeq - DRAFT_CONTEXT_MESSAGES), DRAFT_CONTEXT_MESSAGES);
    const fromCustomer = recent.filter((m) => m.direction === 'in' && m.author === 'customer').reverse();
    const latest = fromCustomer[0];
    if (!latest) return { basedOn: null, items: [], articles: [] };
    let nlu: NluResult;
    let before: Entity[][];
    try {
      // The latest always (the search needs its embedding); before it, those the bot never read. One micro-batch.
      const unread = fromCustomer.slice(1, DRAFT_PARSED_MESSAGES).filter((m) => m.ranking === null);
      const [parsedLatest, ...parsedUnread] = await Promise.all([latest, ...unread].map((m) => this.nlu.parse(m.text)));
      nlu = parsedLatest;
      const parsed = new Map(unread.map((m, i) => [m.id, parsedUnread[i].entities]));
      before = fromCustomer.slice(1).map((m) => parsed.get(m.id) ?? m.entities ?? []);
    } catch (error) {
      this.logger.warn({ event: 'drafts.nlu_failed', code: (error as { code?: string }).code ?? 'UNKNOWN' });
      return { basedOn: null, items: [], articles: [] };
    }
    // Latest first, so the first entity of a label is the one the customer gave last.
    const entities: Entity[] = [...nlu.entities, ...before.flat()];
    const items: ReplyDraftView[] = [];
    for (const intent of draftCandidates(nlu.ranking, new Set(this.config.chat.handoffIntents))) {
      const draft = await this.templates.draft(intent, entities, `${conversationId}:${latest.seq}`);
      const confidence = nlu.ranking.find((r) => r.name === intent)!.confidence;
      if (draft) items.push({ intent, confidence, ...draft });
    }
    return { basedOn: { messageId: latest.id, seq: latest.seq, text: latest.text }, items, articles: await this.articles(nlu) };
  }

  /** The articles the bot's retrieval route would cite; none when the search fails (the templates still help). */
  private async articles(nlu: NluResult): Promise<ReplyArticleDraftView[]> {
    try {
      const hits = await this.retrieval.search({ text: nlu.text, embedding: nlu.embedding, intentHint: nlu.intent.name, modelVersion: nlu.model.version, limit: MAX_ARTICLE_DRAFTS });
      return hits
        .filter((h) => h.score >= this.retrieval.minScore)
        .map((h) => ({ articleId: h.articleId, slug: h.slug, title: h.title, score: Math.round(h.score * 1e4) / 1e4, text: articleReplyText(h) }));
    } catch (error) {
      this.logger.warn({ event: 'drafts.retrieval_failed', code: (error as { code?: string }).code ?? 'UNKNOWN' });
      return [];
    }
  }
}
