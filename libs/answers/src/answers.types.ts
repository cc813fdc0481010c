/** Company facts filled into `{{company.<key>}}` placeholders, e.g. `{ website_name: "Acme Shop", support_phone: "+1 555 0100" }`. */
export interface CompanyProfile {
  [placeholder: string]: string;
}

/** A filled slot: the text the customer typed and, when a normaliser recognised it, its typed value. */
export interface FilledSlot {
  text: string;
  value?: unknown;
}

/** The pending slot of a conversation (table `slot_state`), as the template service reads and writes it. */
export interface SlotStateView {
  intent: string;
  templateId: string;
  filled: Record<string, FilledSlot>;
  /** Requirements still open; an entry may list alternatives as `invoice_id|person_name`. */
  missing: string[];
  /** The requirement the last prompt asked for. */
  asked: string;
  expiresAt: Date;
}

/** What the template route produced for one turn. */
export type TemplateOutcome =
  | { kind: 'answer'; text: string; templateId: string; filled: SlotStateView['filled']; webhook?: { name: string; intent: string } }
  | { kind: 'ask'; text: string; templateId: string; slot: SlotStateView }
  | { kind: 'cancelled'; text: string }
  | { kind: 'none' };

/** One knowledge-base hit, best first. `score` is the fused (RRF) score; ranks are 1-based, null when absent from that list. */
export interface SearchHit {
  articleId: string;
  slug: string;
  title: string;
  snippet: string;
  score: number;
  lexicalRank: number | null;
  denseRank: number | null;
  /** Intent of the article (null for articles that answer none of the model's intents). */
  intent: string | null;
  /** Cosine similarity of the query to the article vector, when the dense list had it. */
  cosine: number | null;
}

export interface SearchQuery {
  text: string;
  /** L2-normalised query embedding from the same model that embedded the articles. */
  embedding: Float32Array;
  /** The NLU's top intent; articles of this intent get a small boost. */
  intentHint?: string;
  /** `NluResult.model.version` of the query embedding; a mismatch with the indexed vectors skips the dense list. */
  modelVersion?: string;
  limit?: number;
}
