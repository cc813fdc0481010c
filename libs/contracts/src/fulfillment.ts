import type { CustomerView } from './chat.types';
import type { Entity } from './nlu';

/**
 * The fulfillment webhook's wire format (docs/fulfillment.md): what Parley posts to FULFILLMENT_URL for a template
 * marked `webhook` once its required entities are filled, and what it reads back.
 */
export interface FulfillmentRequest {
  version: 1;
  conversationId: string;
  /** The customer's message. A turn is fulfilled at most once per message id: use it to deduplicate a retry. */
  messageId: string;
  text: string;
  /**
   * The intent being fulfilled (the template's). `confidence` is the model's for this message, or null when the
   * message answered the template's question for a missing entity ("98765432") and was not itself that intent.
   */
  intent: { name: string; confidence: number | null };
  template: { id: string; name: string };
  /** Filled slots by entity label, with the normalised value when there is one (a number, an ISO date, …). */
  slots: Record<string, { text: string; value?: unknown }>;
  entities: Entity[];
  modelVersion: string;
  /** The signed-in customer when the widget identified them (verified with WIDGET_IDENTITY_SECRET), else null. */
  customer: CustomerView | null;
}

/** The webhook's answer, checked; or why there is none (the turn then sends the template's own text). */
export type FulfillmentOutcome =
  | { ok: true; text: string | null; suggestions: string[]; handoff: boolean; ms: number }
  | { ok: false; reason: FulfillmentFailure; status: number | null; detail: string; ms: number };

export type FulfillmentFailure = 'timeout' | 'network' | 'http_status' | 'invalid_response';
