import type { AgentMessage, BotReply, ConversationContact, ConversationStatusEvent, HandoffQueued, MessageView, NoteView, ReviewItemView, TypingEvent, WebhookMessage } from '@app/contracts';
import { ChatEmitter, HandoffChange, HandoffContext } from '@app/conversation';
import { EventOutbox } from './event-outbox';

/**
 * The app's {@link ChatEmitter} when the event webhook is on: everything still goes to the sockets (`inner`), and
 * the changes the webhook reports are recorded in its outbox too. Services emit exactly once per committed change,
 * on the instance that made it, so each event is recorded once whatever the number of instances.
 */
export class WebhookChatEmitter extends ChatEmitter {
  constructor(
    private readonly inner: ChatEmitter,
    private readonly outbox: EventOutbox,
  ) {
    super();
  }

  botReply(conversationId: string, reply: BotReply): void {
    this.inner.botReply(conversationId, reply);
    this.message(conversationId, {
      messageId: reply.messageId,
      seq: reply.seq,
      author: 'bot',
      text: reply.text,
      createdAt: reply.createdAt,
      replyTo: reply.replyTo,
      route: reply.route,
      intent: reply.intent,
      confidence: reply.confidence,
      entities: reply.entities,
      modelVersion: reply.modelVersion,
    });
  }

  handoffQueued(conversationId: string, event: HandoffQueued, context?: HandoffContext): void {
    this.inner.handoffQueued(conversationId, event, context);
    this.outbox.record('handoff.requested', conversationId, { conversationId, status: event.status, agentsOnline: context?.agentsOnline ?? null, openNow: context?.openNow ?? true });
  }

  override contactLeft(conversationId: string, event: ConversationContact): void {
    this.inner.contactLeft(conversationId, event);
    this.outbox.record('contact.left', conversationId, { conversationId, email: event.email });
  }

  typing(conversationId: string, state: 'start' | 'stop', event: TypingEvent, exceptSocketId?: string): void {
    this.inner.typing(conversationId, state, event, exceptSocketId);
  }

  override agentMessage(conversationId: string, message: AgentMessage, view: MessageView): void {
    this.inner.agentMessage(conversationId, message, view);
    this.message(conversationId, { messageId: message.messageId, seq: message.seq, author: 'agent', text: message.text, createdAt: message.createdAt, agentName: message.agentName });
  }

  override conversationStatus(conversationId: string, event: ConversationStatusEvent, by?: { id: string; name: string }): void {
    this.inner.conversationStatus(conversationId, event, by);
    if (event.status === 'agent') this.outbox.record('handoff.taken', conversationId, { conversationId, agent: by ? { id: by.id, name: by.name } : null });
    else if (event.status === 'bot') this.outbox.record('handoff.released', conversationId, { conversationId });
    else if (event.status === 'closed') this.outbox.record('conversation.resolved', conversationId, { conversationId, agent: by ? { id: by.id, name: by.name } : null });
  }

  override customerMessage(conversationId: string, message: MessageView): void {
    this.inner.customerMessage(conversationId, message);
    this.message(conversationId, { messageId: message.messageId, seq: message.seq, author: 'customer', text: message.text, createdAt: message.createdAt });
  }

  override handoffChanged(conversationId: string, change: HandoffChange): void {
    this.inner.handoffChanged(conversationId, change);
  }

  override conversationDeleted(conversationId: string): void {
    this.inner.conversationDeleted(conversationId);
    // Not tied to the row (it is gone): this event is kept, unlike those erased with the conversation.
    this.outbox.record('conversation.deleted', null, { conversationId });
  }

  override csatSubmitted(conversationId: string, csat: { rating: number; agentId: string | null }): void {
    this.inner.csatSubmitted(conversationId, csat);
    this.outbox.record('csat.submitted', conversationId, { conversationId, rating: csat.rating, agentId: csat.agentId });
  }

  override noteAdded(conversationId: string, note: NoteView): void {
    this.inner.noteAdded(conversationId, note);
  }

  override reviewQueued(messageId: string, item?: ReviewItemView): void {
    this.inner.reviewQueued(messageId, item);
  }

  override agentsOnline(): Promise<number | null> {
    return this.inner.agentsOnline();
  }

  private message(conversationId: string, message: WebhookMessage): void {
    this.outbox.record('message.created', conversationId, { conversationId, message }, new Date(message.createdAt));
  }
}
