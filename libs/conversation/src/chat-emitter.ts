import type { AgentMessage, BotReply, ConversationContact, ConversationStatusEvent, HandoffQueued, MessageView, NoteView, ReviewItemView, TypingEvent } from '@app/contracts';

/** What was known when a handoff was queued: agent consoles open (null: unknown), and whether within business hours. */
export interface HandoffContext {
  agentsOnline: number | null;
  openNow: boolean;
}

/** Which change of a handed-off conversation agent consoles hear about. */
export type HandoffChange = 'new' | 'taken' | 'released' | 'resolved';

/**
 * Server push, by conversation: to the customer's widget sockets and to the agent consoles. Implemented by
 * the gateway over socket.io rooms; services never touch the socket.io `Server`.
 *
 * The agent-side methods have no-op defaults so a push-less implementation (a test double, a CLI) needs only
 * the widget's three.
 */
export abstract class ChatEmitter {
  abstract botReply(conversationId: string, reply: BotReply): void;
  /** `context`: how many agent consoles were open when it was queued (for listeners beyond the widget). */
  abstract handoffQueued(conversationId: string, event: HandoffQueued, context?: HandoffContext): void;
  /** Relays a typing indicator to the other sockets of the conversation (and the customer's to its agents). */
  abstract typing(conversationId: string, state: 'start' | 'stop', event: TypingEvent, exceptSocketId?: string): void;

  /** A human agent's message, to the customer's widget and the agents following the conversation. */
  agentMessage(_conversationId: string, _message: AgentMessage, _view: MessageView): void {}
  /** An agent took the conversation, gave it back to the bot or resolved it: tell the widget (with the system message). `by`: that agent. */
  conversationStatus(_conversationId: string, _event: ConversationStatusEvent, _by?: { id: string; name: string }): void {}
  /** A customer message, to the agents following the conversation (bot replies reach them via `botReply`). */
  customerMessage(_conversationId: string, _message: MessageView): void {}
  /** A handed-off conversation appeared, was taken, given back or resolved: tell every agent console. */
  handoffChanged(_conversationId: string, _change: HandoffChange): void {}
  /** The conversation was erased: its widget and console sockets are told and leave its rooms. */
  conversationDeleted(_conversationId: string): void {}
  /** An agent's private note: to the agent consoles following the conversation, never to the widget. */
  noteAdded(_conversationId: string, _note: NoteView): void {}
  /** The customer left an email for the answer: to the widget's sockets and the consoles following the conversation. */
  contactLeft(_conversationId: string, _event: ConversationContact): void {}
  /** The customer rated the person who helped (CSAT); nothing is pushed to sockets, other listeners may record it. */
  csatSubmitted(_conversationId: string, _csat: { rating: number; agentId: string | null }): void {}
  /** A message entered the review queue: tell every agent console (`item` when the caller has it, else it is read). */
  reviewQueued(_messageId: string, _item?: ReviewItemView): void {}
  /** Agent consoles connected now, on every instance; null when this emitter cannot tell (then nobody says "away"). */
  agentsOnline(): Promise<number | null> {
    return Promise.resolve(null);
  }
}
