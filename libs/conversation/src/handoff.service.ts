import { Inject, Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AuditService } from '@app/auth';
import { APP_CONFIG, AppConfig, availabilityAt } from '@app/config';
import {
  AgentMessageResult,
  AuthUser,
  ConversationClosedError,
  ConversationNotFoundError,
  DomainError,
  ErrorCode,
  HandoffRequestResult,
  HandoffView,
  Suggestion,
} from '@app/contracts';
import { ConversationEntity, ConversationRepository, HandoffRepository, HandoffRow, MessageRepository, SlotStateRepository, TransactionService } from '@app/database';
import { ChatEmitter, HandoffChange } from './chat-emitter';
import { appendSystemMessage } from './system-message';
import { toMessageView } from './message-view';
import { checkMessageText } from './message-text';
import { CSAT_BUTTONS } from './csat.service';

export const HANDOFF_TEXT = 'Thanks for your patience. A human agent will join this conversation shortly.';
/** The handoff's system message when no agent console is open: the customer is told not to wait here for one. */
export const HANDOFF_AWAY_TEXT =
  "Thanks for your patience. No human agent is online right now: your conversation is in our queue, and a person will answer here as soon as one is back. You can close this window; the reply will wait for you here.";
/** The handoff's system message outside business hours; `back`: when the team is next in (describeOpening), if ever. */
export const handoffClosedText = (back: string | null) =>
  `Thanks for your patience. Our team is away right now${back ? ` and back ${back}` : ''}. Your conversation is in our queue, and a person will answer here then. You can close this window; the reply will wait for you here.`;
/** Added to the handoff's message when nobody can answer now and the customer's email is not known. */
export const CONTACT_OFFER_TEXT = "Or leave your email below and we'll send the answer there too.";
/** The email field under that message (the widget renders `contact:send` as one). */
export const CONTACT_BUTTON: Suggestion = { text: 'Email me the answer', action: 'contact:send' };
/** The system message when an agent resolves the conversation. */
export const RESOLVED_TEXT = 'This conversation has been marked as resolved. Write again any time to start a new one.';
/** The system message when a conversation nobody wrote in for CONVERSATION_AUTO_RESOLVE_HOURS is resolved. */
export const AUTO_RESOLVED_TEXT = 'This conversation was closed after a while without messages. Write again any time to start a new one.';
export const BACK_TO_BOT_TEXT = "You're chatting with our virtual assistant again. Ask me anything, or ask for a person at any time.";
export const agentJoinedText = (name: string) => `${name} joined the conversation.`;

export function toHandoffView(row: HandoffRow): HandoffView {
  return {
    conversationId: row.conversationId,
    status: row.status,
    requestedAt: row.requestedAt?.toISOString() ?? null,
    assignedAgent: row.assignedAgent,
    lastMessage: row.lastMessage ? toMessageView(row.lastMessage) : null,
    customer: row.customer,
    contactEmail: row.contactEmail,
  };
}

export interface HandoffChangeResult {
  view: HandoffView;
  /** False when it was a no-op (already taken by this agent, already with the bot). */
  changed: boolean;
  before: HandoffView;
}

interface HandChange {
  status: 'agent' | 'bot' | 'closed';
  change: Exclude<HandoffChange, 'new'>;
  /** The audit action, and why when no person asked for it. */
  action: 'handoff.take' | 'handoff.release' | 'conversation.resolve';
  reason?: string;
  unchanged: (c: ConversationEntity) => boolean;
  text: string;
  /** Buttons under the system message, given the conversation before the change. */
  buttons?: (c: ConversationEntity) => readonly Suggestion[] | null;
  apply: (m: EntityManager) => Promise<void>;
}

const auditState = (v: HandoffView) => ({ status: v.status, assignedAgentId: v.assignedAgent?.id ?? null });

/**
 * Live handoff, the agents' side: the queue of handed-off conversations, taking one, writing to the customer
 * and giving it back to the bot. Status goes `bot → handoff_requested → agent → bot`; the bot is silent in
 * between (the turn pipeline answers only while the status is `bot`).
 */
@Injectable()
export class HandoffService {
  private readonly logger = new Logger('Handoff');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly conversations: ConversationRepository,
    private readonly messages: MessageRepository,
    private readonly handoffs: HandoffRepository,
    private readonly slots: SlotStateRepository,
    private readonly tx: TransactionService,
    private readonly emitter: ChatEmitter,
    private readonly audit: AuditService,
  ) {}

  async queue(): Promise<HandoffView[]> {
    return (await this.handoffs.queue()).map(toHandoffView);
  }

  async get(conversationId: string): Promise<HandoffView> {
    const row = await this.handoffs.find(conversationId);
    if (!row) throw new ConversationNotFoundError();
    return toHandoffView(row);
  }

  /**
   * The customer's side: hands a conversation that is with the bot to the queue (the "Talk to a person" button,
   * or a confident handoff intent in a turn). The bot goes silent and a system message says so; idempotent.
   */
  async request(conversationId: string, cause: { by: 'customer' | 'intent' | 'offer' | 'webhook'; reasonChars?: number }): Promise<HandoffRequestResult> {
    // A repeat (a second click on "Talk to a person") changes nothing: answered from a plain read, without counting
    // the agents, which with Redis is a round trip to the other instances (up to 1 s). The transaction checks again.
    const current = await this.conversations.findById(conversationId);
    if (current && current.status !== 'bot' && current.status !== 'closed') return { status: current.status };
    // Asked before the transaction, so the row lock is not held across that round trip.
    const agentsOnline = await this.emitter.agentsOnline();
    const hours = this.config.businessHours;
    const availability = hours === null ? null : availabilityAt(hours, Date.now());
    const openNow = availability === null || availability.openNow;
    const result = await this.tx.run(async (m) => {
      const conversation = await this.conversations.lockForUpdate(m, conversationId);
      if (!conversation) throw new ConversationNotFoundError();
      if (conversation.status === 'closed') throw new ConversationClosedError();
      if (conversation.status !== 'bot') return { status: conversation.status, message: null };
      await this.handoffs.markRequested(m, conversationId);
      await this.slots.delete(m, conversationId);
      // Outside business hours the customer is told when people are back; in them, whether anyone is online now.
      const text = !openNow ? handoffClosedText(availability!.back) : agentsOnline === 0 ? HANDOFF_AWAY_TEXT : HANDOFF_TEXT;
      // Nobody can answer now: offer to answer by email too, unless the customer's email is known already.
      const offer = (!openNow || agentsOnline === 0) && !conversation.customerEmail && !conversation.contactEmail;
      const message = await appendSystemMessage(m, this.conversations, this.messages, conversationId, offer ? `${text} ${CONTACT_OFFER_TEXT}` : text, offer ? [CONTACT_BUTTON] : null);
      return { status: 'handoff_requested' as const, message };
    });
    if (result.message) {
      this.emitter.handoffQueued(conversationId, { conversationId, status: result.status, message: result.message }, { agentsOnline, openNow });
      this.emitter.handoffChanged(conversationId, 'new');
      this.logger.log({ event: 'handoff.requested', conversationId, by: cause.by, reasonChars: cause.reasonChars ?? 0, agentsOnline, openNow });
    }
    return { status: result.status };
  }

  /**
   * The agent takes the conversation (waiting, or still with the bot: an agent may step in). Idempotent for
   * the agent who has it; another agent's conversation can be taken over only by an admin.
   */
  take(conversationId: string, agent: AuthUser): Promise<HandoffChangeResult> {
    return this.changeHands(conversationId, agent, {
      status: 'agent',
      change: 'taken',
      action: 'handoff.take',
      unchanged: (c) => c.status === 'agent' && c.assignedAgentId === agent.id,
      text: agentJoinedText(agent.name),
      // An open slot question of the bot ("your order number?") is void once a person talks.
      apply: async (m) => {
        await this.handoffs.assign(m, conversationId, agent.id);
        await this.slots.delete(m, conversationId);
      },
    });
  }

  /** Gives the conversation back to the bot. The agent who has it, or an admin, may; idempotent once with the bot. */
  release(conversationId: string, agent: AuthUser): Promise<HandoffChangeResult> {
    return this.changeHands(conversationId, agent, {
      status: 'bot',
      change: 'released',
      action: 'handoff.release',
      unchanged: (c) => c.status === 'bot',
      text: BACK_TO_BOT_TEXT,
      // A person helped (someone had taken it, not just declined the request): ask the customer how it went.
      buttons: (c) => (c.status === 'agent' ? CSAT_BUTTONS : null),
      // After the system message, so bot_since_seq covers it and every customer message before it.
      apply: (m) => this.handoffs.returnToBot(m, conversationId),
    });
  }

  /**
   * Resolves the conversation (Chatwoot's "Resolve"): it is closed for good, the customer is told, and asked to rate
   * the person who helped if one had it; their next message starts a new conversation (the widget does that). Any
   * agent may resolve one with the bot or waiting (spam, a question answered elsewhere); one an agent has, that agent
   * or an admin. A resolved conversation cannot be resolved again (409 CONVERSATION_CLOSED).
   */
  resolve(conversationId: string, agent: AuthUser): Promise<HandoffChangeResult> {
    return this.changeHands(conversationId, agent, {
      status: 'closed',
      change: 'resolved',
      action: 'conversation.resolve',
      unchanged: () => false,
      text: RESOLVED_TEXT,
      buttons: (c) => (c.status === 'agent' ? CSAT_BUTTONS : null),
      apply: (m) => this.close(m, conversationId),
    });
  }

  /**
   * Auto-resolve (CONVERSATION_AUTO_RESOLVE_HOURS): resolves the conversation if nobody wrote in it since `idleSince`
   * (checked again under the lock: a message meanwhile keeps it open). No rating is asked: if a person had it, they
   * forgot it. Audited without an actor. `changed` is false when it was not idle any more (or already closed).
   */
  async resolveIdle(conversationId: string, idleSince: Date): Promise<boolean> {
    try {
      const result = await this.changeHands(conversationId, null, {
        status: 'closed',
        change: 'resolved',
        action: 'conversation.resolve',
        reason: 'auto-resolve: no message for CONVERSATION_AUTO_RESOLVE_HOURS',
        unchanged: (c) => c.updatedAt.getTime() >= idleSince.getTime(),
        text: AUTO_RESOLVED_TEXT,
        apply: (m) => this.close(m, conversationId),
      });
      return result.changed;
    } catch (error) {
      if (error instanceof ConversationClosedError || error instanceof ConversationNotFoundError) return false;
      throw error;
    }
  }

  /** Resolving, by an agent or by auto-resolve: closed for good, and an open slot question with it. */
  private async close(m: EntityManager, conversationId: string): Promise<void> {
    await this.handoffs.resolve(m, conversationId);
    await this.slots.delete(m, conversationId);
  }

  /**
   * One hand change under the conversation lock: refuse a closed conversation or someone else's (unless admin),
   * store the system message, change the status, audit it; then tell the widget and the consoles. `agent` null: the
   * server itself (auto-resolve), which may change any conversation.
   */
  private async changeHands(conversationId: string, agent: AuthUser | null, to: HandChange): Promise<HandoffChangeResult> {
    const result = await this.tx.run(async (m) => {
      const conversation = await this.conversations.lockForUpdate(m, conversationId);
      if (!conversation) throw new ConversationNotFoundError();
      if (conversation.status === 'closed') throw new ConversationClosedError();
      const before = toHandoffView((await this.handoffs.find(conversationId, m))!);
      if (to.unchanged(conversation)) return { before, message: null };
      if (agent && conversation.status === 'agent' && conversation.assignedAgentId && conversation.assignedAgentId !== agent.id && agent.role !== 'admin') {
        throw new DomainError(ErrorCode.HandoffNotAllowed, 'Another agent has this conversation', 409);
      }
      const message = await appendSystemMessage(m, this.conversations, this.messages, conversationId, to.text, to.buttons?.(conversation) ?? null);
      await to.apply(m);
      const after = { status: to.status, assignedAgentId: to.status === 'agent' ? agent!.id : null };
      await this.audit.record({ actor: agent, action: to.action, targetType: 'conversation', targetId: conversationId, before: auditState(before), after, reason: to.reason }, m);
      return { before, message };
    });
    const view = await this.get(conversationId);
    if (result.message) {
      this.emitter.conversationStatus(conversationId, { conversationId, status: to.status, message: result.message }, agent ? { id: agent.id, name: agent.name } : undefined);
      this.emitter.handoffChanged(conversationId, to.change);
      this.logger.log({ event: `handoff.${to.change}`, conversationId, agentId: agent?.id ?? null, from: result.before.status });
    }
    return { view, changed: result.message !== null, before: result.before };
  }

  /** The agent's message to the customer; stored once per clientMessageId, then pushed to the widget. */
  async send(conversationId: string, agent: AuthUser, input: { clientMessageId: string; text: string }): Promise<AgentMessageResult> {
    checkMessageText(input.text, input.clientMessageId, this.config.chat.maxMessageChars);
    const stored = await this.handoffs.appendAgentMessage({ conversationId, agentId: agent.id, clientMessageId: input.clientMessageId, text: input.text });
    if (stored.kind === 'not_found') throw new ConversationNotFoundError();
    if (stored.kind === 'not_assigned') throw new DomainError(ErrorCode.HandoffNotAllowed, 'Take the conversation before writing to the customer', 409);
    const duplicate = stored.kind === 'duplicate';
    if (!duplicate) {
      const view = toMessageView(stored.message);
      // Who wrote what is also in the message row (agent_id); the audit entry carries no text (customer data).
      await this.audit.record({ actor: agent, action: 'agent.message', targetType: 'conversation', targetId: conversationId, after: { messageId: view.messageId, seq: view.seq } });
      this.emitter.agentMessage(conversationId, { messageId: view.messageId, seq: view.seq, text: view.text, agentName: agent.name, createdAt: view.createdAt }, view);
      this.logger.log({ event: 'agent.message', conversationId, agentId: agent.id, chars: input.text.length });
    }
    return { messageId: stored.message.id, seq: stored.message.seq, duplicate };
  }
}
