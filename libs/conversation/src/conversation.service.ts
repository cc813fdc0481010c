import { Inject, Injectable, Logger } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { APP_CONFIG, AppConfig, availabilityAt } from '@app/config';
import {
  BusyError,
  ConversationClosedError,
  ConversationNotFoundError,
  ConversationStatus,
  CustomerIdentity,
  CustomerView,
  DomainError,
  ErrorCode,
  FeedbackPayload,
  FeedbackResult,
  HandoffRequestResult,
  MessageView,
  SendMessagePayload,
  SendMessageResult,
  StartConversationPayload,
  StartConversationResult,
} from '@app/contracts';
import {
  AppendInboundResult,
  ConversationEntity,
  ConversationPage,
  ConversationRepository,
  FeedbackRepository,
  isPoolCheckoutTimeout,
  MessageEntity,
  MessageRepository,
  owesReply,
  ReviewItemRepository,
  TransactionService,
  TurnRepository,
} from '@app/database';
import { AdmissionService, Refusal } from './admission.service';
import { ChatEmitter } from './chat-emitter';
import { toMessageView } from './message-view';
import { HandoffService } from './handoff.service';
import { IdentityMismatchError, verifyIdentity } from './customer-identity';
import { checkMessageText } from './message-text';
import { TurnService } from './turn.service';


/** Hash stored for a conversation token; the token itself never reaches the database or the logs. */
export const hashToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

/**
 * The widget's use cases: start or resume, send a message, ask for a human, rate a reply. Each stores
 * what it must in one transaction before it answers, and leaves the bot's turn to {@link TurnService}.
 */
@Injectable()
export class ConversationService {
  private readonly logger = new Logger('Conversation');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly conversations: ConversationRepository,
    private readonly messages: MessageRepository,
    private readonly feedback: FeedbackRepository,
    private readonly reviews: ReviewItemRepository,
    private readonly tx: TransactionService,
    private readonly turnWrites: TurnRepository,
    private readonly turns: TurnService,
    private readonly emitter: ChatEmitter,
    private readonly admission: AdmissionService,
    private readonly handoff: HandoffService,
  ) {}

  /**
   * Starts a conversation, or resumes the one of `token`. With a verified `identity` (see verifyIdentity) the
   * conversation is the signed-in customer's: a new one is created as theirs, an anonymous one becomes theirs (they
   * signed in mid-chat), and one of another customer is refused (IDENTITY_MISMATCH: on a shared computer the next
   * customer must not see the last one's chat).
   */
  async start(payload: StartConversationPayload): Promise<StartConversationResult> {
    const customer = payload.identity ? verifyIdentity(payload.identity, this.config.identity.secret) : null;
    if (payload.token === undefined) return this.create(payload.locale ?? null, customer);
    const conversation = await this.conversations.findByTokenHash(hashToken(payload.token));
    if (!conversation) throw new ConversationNotFoundError('Unknown conversation token');
    if (customer) await this.claim(conversation, customer);
    const messages = await this.messages.listSince(conversation.id, payload.lastSeq ?? 0);
    // Answers anything a previous server left unanswered (stopped mid-turn): only when the row says a reply is owed,
    // so a reconnect of a conversation that is up to date costs no locked turn. A message stored after this read
    // schedules its own turn.
    if (owesReply(conversation)) void this.turns.schedule(conversation.id);
    this.logger.log({ event: 'conversation.resumed', conversationId: conversation.id, missed: messages.length });
    return {
      conversationId: conversation.id,
      resumed: true,
      status: conversation.status,
      lastSeq: conversation.lastSeq,
      messages: messages.map(toMessageView),
      ...this.availability(),
    };
  }

  /** With business hours set: whether the team is in now (for the widget's header). */
  private availability(): Pick<StartConversationResult, 'availability'> {
    const hours = this.config.businessHours;
    return hours ? { availability: availabilityAt(hours, Date.now()) } : {};
  }

  /** Links a conversation resumed by token to a signed-in customer, as {@link start} does (the REST channel's way). */
  async identify(conversation: ConversationEntity, identity: CustomerIdentity): Promise<void> {
    await this.claim(conversation, verifyIdentity(identity, this.config.identity.secret));
  }

  /** The conversation becomes the customer's, or stays theirs with their current name and email; never another's. */
  private async claim(conversation: ConversationEntity, customer: CustomerView): Promise<void> {
    if (sameCustomer(conversation, customer)) return;
    if (!(await this.conversations.setCustomer(conversation.id, customer))) throw new IdentityMismatchError();
    this.logger.log({ event: 'conversation.identified', conversationId: conversation.id, adopted: conversation.customerId === null });
  }

  /** Resolves a token to its conversation id (socket handshake). */
  async authenticate(token: string): Promise<ConversationEntity> {
    const conversation = await this.conversations.findByTokenHash(hashToken(token));
    if (!conversation) throw new ConversationNotFoundError('Unknown conversation token');
    return conversation;
  }

  private async create(locale: string | null, customer: CustomerView | null): Promise<StartConversationResult> {
    const token = randomBytes(32).toString('base64url');
    const conversation = await this.conversations.create({ tokenHash: hashToken(token), locale, customer });
    // Whether the customer is identified, never who: their id or email is personal data.
    this.logger.log({ event: 'conversation.created', conversationId: conversation.id, identified: customer !== null });
    return { conversationId: conversation.id, token, resumed: false, status: conversation.status, lastSeq: 0, messages: [], ...this.availability() };
  }

  /**
   * Stores the customer's message and queues the bot's turn. Resolves once the row is committed.
   * The same clientMessageId returns the stored row and creates nothing. While this instance cannot answer in
   * time (see AdmissionService) a new message is refused with BUSY before anything is stored; a resend of a
   * stored one is still acked.
   */
  async receive(conversationId: string, payload: SendMessagePayload): Promise<SendMessageResult> {
    checkMessageText(payload.text, payload.clientMessageId, this.config.chat.maxMessageChars);
    const refusal = this.admission.check();
    if (refusal) return this.receiveWhileBusy(conversationId, payload, refusal);
    const stored = await this.admission.whileStoring(async () => {
      const result = await this.store(conversationId, payload);
      // Queued inside whileStoring so the message is counted in the backlog without a gap.
      void this.turns.schedule(conversationId, result.kind === 'stored' ? result.message : undefined);
      return result;
    });
    if (stored.kind === 'stored') this.emitter.customerMessage(conversationId, toMessageView(stored.message));
    return { messageId: stored.message.id, seq: stored.message.seq, duplicate: stored.kind === 'duplicate' };
  }

  /** Over the limit: only a message that is already stored gets its ack (one indexed read); a new one is refused. */
  private async receiveWhileBusy(conversationId: string, payload: SendMessagePayload, refusal: Refusal): Promise<SendMessageResult> {
    const existing = await this.messages.findByClientMessageId(conversationId, payload.clientMessageId);
    if (existing) return { messageId: existing.id, seq: existing.seq, duplicate: true };
    this.admission.refused(refusal.reason);
    this.logger.debug({ event: 'message.refused_busy', conversationId, reason: refusal.reason, retryAfterMs: refusal.retryAfterMs });
    throw new BusyError(refusal.retryAfterMs, refusal.reason);
  }

  private async store(conversationId: string, payload: SendMessagePayload): Promise<{ kind: 'stored' | 'duplicate'; message: MessageEntity }> {
    let stored: AppendInboundResult;
    try {
      stored = await this.turnWrites.appendInbound(conversationId, payload.clientMessageId, payload.text);
    } catch (error) {
      // Every pooled connection stayed busy for the whole checkout timeout: overload, not an outage. Nothing was
      // stored, so the client is told to come back later like any other BUSY refusal.
      if (!isPoolCheckoutTimeout(error)) throw error;
      this.admission.refused('pool');
      throw new BusyError(this.admission.poolHint(), 'pool');
    }
    if (stored.kind === 'not_found') throw new ConversationNotFoundError();
    if (stored.kind === 'closed') throw new ConversationClosedError();
    return stored;
  }

  /** Hands the conversation to a human: the bot goes silent, a system message says so. Idempotent. */
  requestHandoff(conversationId: string, reason?: string): Promise<HandoffRequestResult> {
    return this.handoff.request(conversationId, { by: 'customer', reasonChars: reason?.length ?? 0 });
  }

  /** Thumbs up/down on a bot reply; thumbs down queues the reply for agent review. */
  async rate(conversationId: string, payload: FeedbackPayload): Promise<FeedbackResult> {
    const message = await this.messages.findById(payload.messageId);
    if (!message || message.conversationId !== conversationId) throw new DomainError(ErrorCode.MessageNotFound, 'No such message in this conversation', 404);
    if (message.author !== 'bot') throw new DomainError(ErrorCode.FeedbackNotAllowed, 'Only bot replies can be rated', 409);
    const result = await this.tx.run(async (m) => {
      const feedbackId = await this.feedback.upsert(m, { messageId: message.id, conversationId, rating: payload.rating, comment: payload.comment ?? null });
      const reviewQueued = payload.rating === 'down' ? await this.reviews.enqueue(m, { messageId: message.id, conversationId, reason: 'thumbs_down' }) : false;
      return { feedbackId, reviewQueued };
    });
    if (result.reviewQueued) this.emitter.reviewQueued(message.id);
    this.logger.log({ event: 'feedback', conversationId, messageId: message.id, rating: payload.rating, reviewQueued: result.reviewQueued });
    return result;
  }

  typing(conversationId: string, state: 'start' | 'stop', socketId: string): void {
    this.emitter.typing(conversationId, state, { author: 'customer' }, socketId);
  }

  // ---- read side (REST) ----------------------------------------------------------------------

  page(query: { limit: number; offset: number; status?: ConversationStatus; q?: string; customerId?: string }): Promise<ConversationPage> {
    return this.conversations.page(query);
  }

  async get(id: string): Promise<{ conversation: ConversationEntity; messages: MessageView[] }> {
    const conversation = await this.conversations.findById(id);
    if (!conversation) throw new ConversationNotFoundError();
    const messages = await this.messages.listSince(id, 0, 1000);
    return { conversation, messages: messages.map(toMessageView) };
  }
}

/** Whether the conversation already holds exactly this customer (then nothing is written). */
function sameCustomer(c: ConversationEntity, customer: CustomerView): boolean {
  return c.customerId === customer.id && c.customerName === customer.name && c.customerEmail === customer.email;
}
