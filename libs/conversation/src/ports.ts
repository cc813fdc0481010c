import type { Entity, FulfillmentOutcome, FulfillmentRequest, NluResult, ParseOptions } from '@app/contracts';

/*
 * What one turn needs from the NLU and the answers lib, in their own method shapes. The app binds them to
 * `NluService`, `TemplateService` and `RetrievalService` (`useExisting`), so the turn pipeline is unit-tested
 * with plain mocks and does not care how those libs are wired.
 */

export abstract class NluPort {
  abstract parse(text: string, opts?: ParseOptions): Promise<NluResult>;
}

export interface PendingSlot {
  intent: string;
  templateId: string;
  filled: Record<string, { text: string; value?: unknown }>;
  missing: string[];
  asked: string;
  expiresAt: Date;
}

export type TemplateOutcome =
  /** `webhook`: the template answers through the fulfillment webhook; `text` is its fallback. */
  | { kind: 'answer'; text: string; templateId: string; filled: PendingSlot['filled']; webhook?: { name: string; intent: string } }
  | { kind: 'ask'; text: string; templateId: string; slot: PendingSlot }
  | { kind: 'cancelled'; text: string }
  | { kind: 'none' };

export abstract class TemplatePort {
  abstract respond(input: { nlu: NluResult; pending: PendingSlot | null; now: Date; conversationId?: string; seq?: number }): Promise<TemplateOutcome>;
  /** What a "did you mean …?" button for the intent says and sends (its template's name); null: no enabled template. */
  abstract suggestionFor(intent: string): Promise<string | null>;
  /**
   * A reply a person could send for the intent: its enabled template filled from `entities` (the first of each label
   * wins), or, when a required one is missing, the template's question for it. `seed` picks the variant. Null: no
   * enabled template.
   */
  abstract draft(intent: string, entities: readonly Entity[], seed: string): Promise<TemplateDraft | null>;
}

export interface TemplateDraft {
  templateId: string;
  /** The template's name ("How to track an order"). */
  name: string;
  text: string;
  /** Required entities the customer has not given (the text then asks for the first). */
  missing: string[];
}

/** See FulfillmentClient (@app/answers): the operator's webhook, called for templates marked `webhook`. */
export abstract class FulfillmentPort {
  abstract get enabled(): boolean;
  abstract call(request: FulfillmentRequest): Promise<FulfillmentOutcome>;
}

export interface KnowledgeHit {
  articleId: string;
  slug: string;
  title: string;
  snippet: string;
  score: number;
}

/** What the bot (a retrieval answer) and an agent's draft say to cite an article. */
export function articleReplyText(hit: Pick<KnowledgeHit, 'title' | 'snippet'>): string {
  return `Here is what I found in our help center: "${hit.title}". ${hit.snippet}`.trim();
}

export abstract class RetrievalPort {
  /** Fused score (0..1) below which a hit is not good enough to answer from. */
  abstract get minScore(): number;
  abstract search(query: { text: string; embedding: Float32Array; intentHint?: string; modelVersion?: string; limit?: number }): Promise<KnowledgeHit[]>;
}
