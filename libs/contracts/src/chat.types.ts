import { Entity } from './nlu';

export type ConversationStatus = 'bot' | 'handoff_requested' | 'agent' | 'closed';
export type MessageDirection = 'in' | 'out';
export type MessageAuthor = 'customer' | 'bot' | 'agent' | 'system';
export type ReplyRoute = 'template' | 'retrieval' | 'fallback' | 'agent' | 'slot_prompt';
export type FeedbackRating = 'up' | 'down';
export type ReviewReason = 'low_confidence' | 'fallback' | 'thumbs_down' | 'flagged';

/** A knowledge-base article a retrieval reply cites. */
export interface ReplySource {
  id: string;
  slug: string;
  title: string;
  score: number;
}

/**
 * A quick reply the widget can show as a button; `action` tells the widget what pressing it does: send `text` as a
 * message (default), ask for a person, or rate the person who just helped (`csat:send` with `rating`).
 */
export interface Suggestion {
  text: string;
  /** `contact:send`: an email field, for a customer nobody can answer now (docs/widget.md). */
  action?: 'handoff:request' | 'message:send' | 'csat:send' | 'contact:send';
  /** 1 (very unhappy) to 5 (very happy), with `csat:send`. */
  rating?: number;
}

/** One message as the widget sees it (history, resume). */
export interface MessageView {
  messageId: string;
  seq: number;
  direction: MessageDirection;
  author: MessageAuthor;
  text: string;
  clientMessageId: string | null;
  replyTo: string | null;
  route: ReplyRoute | null;
  intent: string | null;
  confidence: number | null;
  /** A bot reply's cited articles and buttons, as its `bot:reply` had them. */
  sources?: ReplySource[];
  suggestions?: Suggestion[];
  createdAt: string;
}

/** `bot:reply`: the answer to one inbound message. */
export interface BotReply {
  messageId: string;
  seq: number;
  /** The inbound message this answers. */
  replyTo: string;
  text: string;
  route: ReplyRoute;
  intent: string | null;
  confidence: number | null;
  entities: Entity[];
  sources?: ReplySource[];
  suggestions?: Suggestion[];
  /** The model version that understood the message (absent when NLU did not run, e.g. it failed). */
  modelVersion?: string;
  createdAt: string;
}

/** `agent:message`: what a human agent wrote to the customer. */
export interface AgentMessage {
  messageId: string;
  seq: number;
  text: string;
  /** The agent's display name. */
  agentName: string;
  createdAt: string;
}

export interface TypingEvent {
  author: MessageAuthor;
}

export interface HandoffQueued {
  conversationId: string;
  status: ConversationStatus;
  /** The system message telling the customer a human will join. */
  message: MessageView;
}

// ---- payloads of client events -------------------------------------------------------------

export interface StartConversationPayload {
  /** The secret token of a conversation to resume; omit to start a new one. */
  token?: string;
  /** Highest seq the client already has; the ack carries every message after it. */
  lastSeq?: number;
  locale?: string;
  /** The signed-in customer, signed by the operator's server (WIDGET_IDENTITY_SECRET); omit for an anonymous visitor. */
  identity?: CustomerIdentity;
}

/** Who the customer is on the operator's site: `hash` is the hex HMAC-SHA256 of `userId` with WIDGET_IDENTITY_SECRET. */
export interface CustomerIdentity {
  userId: string;
  name?: string;
  email?: string;
  hash: string;
}

/** A conversation's verified customer, as agents, REST and the fulfillment webhook see it. */
export interface CustomerView {
  id: string;
  name: string | null;
  email: string | null;
}

export interface StartConversationResult {
  conversationId: string;
  /** Only on a new conversation: the secret to resume it. Store it; the server keeps only its hash. */
  token?: string;
  resumed: boolean;
  status: ConversationStatus;
  lastSeq: number;
  /** Messages with seq > lastSeq (all of them for a new conversation: none). */
  messages: MessageView[];
  /**
   * Only with business hours set (BUSINESS_HOURS): whether the team is in now, and if not when it is back (`back`:
   * "Monday at 09:00 (Europe/Berlin time)"). The widget shows "We're away" with it.
   */
  availability?: { openNow: boolean; nextOpening: string | null; back: string | null };
}

/**
 * `POST /api/channels/rest/messages`: the message is stored (as `message:send` stores it) and the bot's reply comes
 * back in the same response, for a client without socket.io (a server, an SMS or messenger bridge).
 */
export interface RestSendResult extends SendMessageResult {
  conversationId: string;
  /** Only when this request started the conversation: the secret to continue it (send it as X-Parley-Conversation-Token). */
  conversationToken?: string;
  /** The conversation's status when the request ended (`handoff_requested` or `agent`: a person answers). */
  status: ConversationStatus;
  /**
   * The bot's reply to this message; null while a person has the conversation, or when it was not ready within
   * CHAT_REST_REPLY_WAIT_MS (then read it, and the agents' messages, from `GET /api/channels/rest/messages`).
   */
  reply: BotReply | null;
}

/** `GET /api/channels/rest/messages?after=SEQ`: what the conversation got after `after`. */
export interface RestHistoryResult {
  conversationId: string;
  status: ConversationStatus;
  lastSeq: number;
  messages: MessageView[];
}

export interface SendMessagePayload {
  /** Client-chosen id; resending the same id never creates a second message or reply. */
  clientMessageId: string;
  text: string;
}

export interface SendMessageResult {
  messageId: string;
  seq: number;
  /** True when this clientMessageId was already stored: nothing new was created. */
  duplicate: boolean;
}

export interface HandoffRequestPayload {
  reason?: string;
}

export interface HandoffRequestResult {
  status: ConversationStatus;
}

/** `csat:send`: how satisfied the customer is with the person who helped, after they gave the conversation back. */
export interface CsatPayload {
  rating: number;
  comment?: string;
}

export interface CsatResult {
  csatId: string;
  /** A second rating for the same handoff replaces the first. */
  replaced: boolean;
}

/** `contact:send`: the email a customer leaves for an answer when nobody can reply now. */
export interface ContactPayload {
  email: string;
}

export interface ContactResult {
  /** As stored (trimmed, its domain in lower case). */
  email: string;
  /** The system message confirming it (also pushed as `conversation:contact`); null when this address was known already. */
  message: MessageView | null;
}

/** `conversation:contact`: the customer left an email for the answer (to the widget's sockets and following consoles). */
export interface ConversationContact {
  conversationId: string;
  email: string;
  message: MessageView;
}

export interface FeedbackPayload {
  messageId: string;
  rating: FeedbackRating;
  comment?: string;
}

export interface FeedbackResult {
  feedbackId: string;
  /** True when the rating enqueued the message for agent review. */
  reviewQueued: boolean;
}
