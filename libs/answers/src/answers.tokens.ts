/**
 * What the answers lib needs from the NLU: sentence embeddings of article texts and the version of the model that
 * made them (stored next to each article vector so a model swap triggers re-embedding). Provided by AnswersModule
 * from `NluService`; tests provide their own.
 */
export abstract class AnswersEmbedder {
  /** One L2-normalised vector per text, same model as `NluResult.embedding`. */
  abstract embed(texts: string[]): Promise<Float32Array[]>;
  /** Version of the active model, or null when none is loaded yet. */
  abstract modelVersion(): string | null;
}

/**
 * Recognises a bare slot value ("it's 12345", "#A-1234") when a slot is pending and the model tagged no entity.
 * Backed by the NLU's normalisers; returns null when the text holds no value of that label.
 */
export abstract class SlotValueParser {
  abstract parse(label: string, text: string): { text: string; value?: unknown } | null;
}

/** Company profile source (`content/company.json` or `COMPANY_PROFILE`). */
export const COMPANY_PROFILE = Symbol('COMPANY_PROFILE');

/** Seconds a pending slot question stays open (config `SLOT_TTL_SECONDS`); 900 when not provided. */
export const SLOT_TTL_SECONDS = Symbol('SLOT_TTL_SECONDS');
