/** What the NLU runtime returns for one message. Shared by libs/nlu, the server and clients. */
export interface IntentScore {
  /** Intent name from the model's labels.json. */
  name: string;
  /** Temperature-calibrated probability in [0, 1]. */
  confidence: number;
  /** Raw logit before calibration. */
  logit: number;
}

export type EntityValue =
  | { kind: 'text'; value: string }
  | { kind: 'identifier'; value: string } // order/ticket/account/invoice numbers, normalised (no spaces, upper-case)
  | { kind: 'email'; value: string }
  | { kind: 'phone'; value: string } // E.164
  | { kind: 'money'; amount: number; currency: string | null }
  | { kind: 'quantity'; value: number; unit: string | null }
  | { kind: 'datetime'; iso: string; grain: 'day' | 'time' }
  | { kind: 'name'; value: string };

export interface Entity {
  /** Entity type, e.g. "order_id". */
  label: string;
  /** Character offsets into the original text (UTF-16 code units), end exclusive. */
  start: number;
  end: number;
  /** text.slice(start, end) */
  text: string;
  /** Mean probability of the tags that make up the span. */
  score: number;
  /** Typed, normalised value a template can use; absent when normalisation failed. */
  value?: EntityValue;
}

export interface NluResult {
  text: string;
  intent: IntentScore;
  /** Top-k intents, best first (intent === ranking[0]). */
  ranking: IntentScore[];
  entities: Entity[];
  /** L2-normalised sentence embedding for retrieval. */
  embedding: Float32Array;
  /** True when the input was longer than the model's max_seq_len and was cut. */
  truncated: boolean;
  model: { name: string; version: string; variant: 'int8' | 'fp32' };
  /** Model thresholds (manifest, possibly overridden by config). */
  thresholds: { answer: number; retrieval: number; review: number };
  latencyMs: number;
}

export interface ParseOptions {
  /** Reference time for relative dates ("tomorrow"); defaults to now. */
  referenceTime?: Date;
  /** IANA time zone for dates; defaults to UTC. */
  timeZone?: string;
  /** How many intents to rank; default 5. */
  topK?: number;
}
