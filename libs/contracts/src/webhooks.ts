import type { Entity } from './nlu';
import type { ConversationStatus, CustomerView, MessageAuthor, ReplyRoute } from './chat.types';

/**
 * Outbound event webhooks (docs/webhooks.md): what happened in conversations, posted to EVENT_WEBHOOK_URL for the
 * operator's own systems (a CRM, a Slack alert when a customer waits for a person, a data warehouse), like Chatwoot's
 * webhooks or Rasa's event broker.
 */
export const WEBHOOK_EVENTS = ['message.created', 'handoff.requested', 'handoff.taken', 'handoff.released', 'csat.submitted', 'contact.left', 'conversation.resolved', 'conversation.deleted'] as const;
export type WebhookEventName = (typeof WEBHOOK_EVENTS)[number];

/** One POST's body. `id` is the delivery's: the same on every retry of it, so a receiver can drop a repeat. */
export interface WebhookEnvelope<E extends WebhookEventName = WebhookEventName> {
  id: string;
  event: E;
  /** When it happened (not when this attempt was made). */
  createdAt: string;
  data: WebhookEventData[E];
}

export interface WebhookMessage {
  messageId: string;
  /** Order within the conversation: deliveries are not ordered, `seq` is. */
  seq: number;
  author: MessageAuthor;
  text: string;
  createdAt: string;
  /** A bot reply: the customer message it answers, how it was answered and what the model read. */
  replyTo?: string;
  route?: ReplyRoute;
  intent?: string | null;
  confidence?: number | null;
  entities?: Entity[];
  modelVersion?: string;
  /** An agent's message: their display name. */
  agentName?: string;
}

/**
 * Each event's `data`. Events of a conversation also carry, as they are when it is sent, `customer`: the identified
 * customer (docs/widget.md) or null for an anonymous visitor, and `contactEmail`: the email the customer left for an
 * answer (`contact.left`; not verified) or null.
 */
export interface WebhookEventData {
  'message.created': { conversationId: string; message: WebhookMessage; customer?: CustomerView | null };
  /**
   * The customer waits for a person; `agentsOnline` 0 means no agent console is open right now, `openNow` false that
   * it came outside business hours (BUSINESS_HOURS; always true without them).
   */
  'handoff.requested': { conversationId: string; status: ConversationStatus; agentsOnline: number | null; openNow: boolean; customer?: CustomerView | null };
  'handoff.taken': { conversationId: string; agent: { id: string; name: string } | null; customer?: CustomerView | null };
  'handoff.released': { conversationId: string; customer?: CustomerView | null };
  'csat.submitted': { conversationId: string; rating: number; agentId: string | null; customer?: CustomerView | null };
  /** The customer left an email for the answer, nobody being able to reply at once (not verified: the visitor typed it). */
  'contact.left': { conversationId: string; email: string; customer?: CustomerView | null };
  /** An agent resolved the conversation (closed for good; the customer's next message starts a new one). */
  'conversation.resolved': { conversationId: string; agent: { id: string; name: string } | null; customer?: CustomerView | null };
  'conversation.deleted': { conversationId: string };
}

export type WebhookDeliveryStatus = 'pending' | 'delivered' | 'failed';

/** A delivery as the admin API lists it (without its payload, which holds customer text). */
export interface WebhookDeliveryView {
  id: string;
  event: WebhookEventName;
  conversationId: string | null;
  status: WebhookDeliveryStatus;
  attempts: number;
  /** The last attempt's HTTP status, or null (no response: timeout, refused connection…). */
  lastStatus: number | null;
  /** Why the last attempt failed ("HTTP 500", "timeout", "ECONNREFUSED"); null once delivered. */
  lastError: string | null;
  nextAttemptAt: string | null;
  createdAt: string;
  deliveredAt: string | null;
}
