import type { Entity, IntentScore } from '@app/contracts';
import type { Word } from './words';

/** Numerically stable softmax of `logits[offset .. offset+n)` divided by `temperature`. */
export function softmax(logits: ArrayLike<number>, offset = 0, n = logits.length, temperature = 1): Float64Array {
  const out = new Float64Array(n);
  let max = -Infinity;
  for (let i = 0; i < n; i++) max = Math.max(max, logits[offset + i] / temperature);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    out[i] = Math.exp(logits[offset + i] / temperature - max);
    sum += out[i];
  }
  for (let i = 0; i < n; i++) out[i] /= sum;
  return out;
}

/** Intents ranked by temperature-calibrated probability, best first, raw logits kept. */
export function rankIntents(logits: ArrayLike<number>, intents: readonly string[], temperature: number, topK: number): IntentScore[] {
  const probs = softmax(logits, 0, intents.length, temperature);
  const order = Array.from(intents.keys()).sort((a, b) => probs[b] - probs[a] || a - b);
  return order.slice(0, Math.max(1, topK)).map((i) => ({ name: intents[i], confidence: probs[i], logit: logits[i] }));
}

export interface TagRow {
  /** Flattened `[sequence, nTags]` logits of one batch row. */
  logits: ArrayLike<number>;
  /** Offset of this row inside `logits`. */
  offset: number;
  nTags: number;
}

export interface WordTag {
  tag: string;
  prob: number;
}

/** Arg-max BIO tag (and its probability) at each word's first piece; a word without pieces (-1) is O. */
export function tagWords(row: TagRow, firstPiece: readonly number[], tags: readonly string[]): WordTag[] {
  return firstPiece.map((piece) => {
    if (piece < 0) return { tag: 'O', prob: 1 };
    const probs = softmax(row.logits, row.offset + piece * row.nTags, row.nTags);
    let best = 0;
    for (let t = 1; t < row.nTags; t++) if (probs[t] > probs[best]) best = t;
    return { tag: tags[best], prob: probs[best] };
  });
}

/**
 * BIO tags → entity spans over the original text. An `I-x` that does not continue an `x` entity
 * starts a new one (the repair rule of docs/model-format.md, same as words.py `bio_to_spans`).
 * Score = mean probability of the tags that make up the span.
 */
export function decodeEntities(text: string, words: readonly Word[], wordTags: readonly WordTag[]): Entity[] {
  const entities: Entity[] = [];
  let cur: { label: string; start: number; end: number; probs: number[] } | null = null;
  const flush = (): void => {
    if (!cur) return;
    const score = cur.probs.reduce((a, b) => a + b, 0) / cur.probs.length;
    entities.push({ label: cur.label, start: cur.start, end: cur.end, text: text.slice(cur.start, cur.end), score });
    cur = null;
  };
  words.forEach((word, i) => {
    const { tag, prob } = wordTags[i];
    const label = tag.slice(2);
    if (tag.startsWith('I-') && cur !== null && cur.label === label) {
      cur.end = word.end;
      cur.probs.push(prob);
      return;
    }
    flush();
    if (tag.startsWith('B-') || tag.startsWith('I-')) cur = { label, start: word.start, end: word.end, probs: [prob] };
  });
  flush();
  return entities;
}
