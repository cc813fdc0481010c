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

interface BioGrammar {
  mayStart: Uint8Array; // [T]
  mayFollow: Uint8Array; // [prev * T + cur]
  /** The tags each tag may follow, ascending (an I-x: only B-x and I-x), so the T² loops skip forbidden steps. */
  prevOf: Int32Array[];
  /** The tags that may follow each tag, ascending. */
  nextOf: Int32Array[];
}

/** Keyed by the model's tag list (one array per loaded model), so the grammar is built once per model. */
const grammars = new WeakMap<readonly string[], BioGrammar>();

/** Which tags may open a sequence and which may follow which: `I-x` only after `B-x` or `I-x`. Tag 0 is O. */
export function bioGrammar(tags: readonly string[]): BioGrammar {
  const cached = grammars.get(tags);
  if (cached) return cached;
  const n = tags.length;
  const label = tags.map((t) => (t === 'O' ? '' : t.slice(2)));
  const mayStart = new Uint8Array(n);
  const mayFollow = new Uint8Array(n * n);
  for (let c = 0; c < n; c++) {
    const inside = tags[c].startsWith('I-');
    mayStart[c] = inside ? 0 : 1;
    for (let p = 0; p < n; p++) mayFollow[p * n + c] = !inside || (tags[p] !== 'O' && label[p] === label[c]) ? 1 : 0;
  }
  const prevOf: Int32Array[] = [];
  const nextOf: Int32Array[] = [];
  for (let a = 0; a < n; a++) {
    const prev: number[] = [];
    const next: number[] = [];
    for (let b = 0; b < n; b++) {
      if (mayFollow[b * n + a]) prev.push(b); // b may come before a
      if (mayFollow[a * n + b]) next.push(b); // b may come after a
    }
    prevOf.push(Int32Array.from(prev));
    nextOf.push(Int32Array.from(next));
  }
  const g = { mayStart, mayFollow, prevOf, nextOf };
  grammars.set(tags, g);
  return g;
}

/**
 * The learned scores of a model trained with a linear-chain CRF (labels.json `crf`,
 * training/src/nlu_training/crf.py), flattened once per model: `trans[prev * T + cur]`, and their
 * exponentials for the forward-backward pass.
 */
export interface CrfChain {
  start: Float64Array;
  end: Float64Array;
  trans: Float64Array;
  expStart: Float64Array;
  expEnd: Float64Array;
  expTrans: Float64Array;
}

/** labels.json's `{start, end, transitions}` (already shape-checked) as a CrfChain. */
export function crfChain(scores: { start: readonly number[]; end: readonly number[]; transitions: readonly (readonly number[])[] }): CrfChain {
  const n = scores.start.length;
  const trans = new Float64Array(n * n);
  scores.transitions.forEach((row, p) => row.forEach((v, c) => (trans[p * n + c] = v)));
  const start = Float64Array.from(scores.start);
  const end = Float64Array.from(scores.end);
  return { start, end, trans, expStart: start.map(Math.exp), expEnd: end.map(Math.exp), expTrans: trans.map(Math.exp) };
}

/** Transition scores with the BIO grammar applied (-Infinity where forbidden), per grammar or per CRF. */
const maskedTransitions = new WeakMap<BioGrammar | CrfChain, Float64Array>();

function transitionsFor(grammar: BioGrammar, crf: CrfChain | null): Float64Array {
  const key = crf ?? grammar;
  let m = maskedTransitions.get(key);
  if (!m) {
    m = new Float64Array(grammar.mayFollow.length);
    for (let k = 0; k < m.length; k++) m[k] = grammar.mayFollow[k] ? (crf ? crf.trans[k] : 0) : -Infinity;
    maskedTransitions.set(key, m);
  }
  return m;
}

/**
 * Best valid BIO path through `scores` (`[nWords, T]`, row-major: per-word log-softmax, or the raw tag
 * logits when the model has a CRF, whose learned start / transition / end scores are then added) by
 * Viterbi; ties go to the lowest tag index. The same algorithm, order of additions and tie-breaking as
 * training/src/nlu_training/decoding.py `viterbi_tags`.
 */
export function viterbiTags(scores: Float64Array, nWords: number, grammar: BioGrammar, crf: CrfChain | null = null): number[] {
  if (nWords === 0) return [];
  const n = grammar.mayStart.length;
  const trans = transitionsFor(grammar, crf);
  let score = new Float64Array(n);
  let next = new Float64Array(n);
  for (let t = 0; t < n; t++) score[t] = grammar.mayStart[t] ? scores[t] + (crf ? crf.start[t] : 0) : -Infinity;
  const back = new Int32Array(nWords * n);
  for (let i = 1; i < nWords; i++) {
    for (let c = 0; c < n; c++) {
      let best = -Infinity;
      let arg = 0;
      const prevs = grammar.prevOf[c]; // ascending, as the full scan was: the first maximum still wins
      for (let k = 0; k < prevs.length; k++) {
        const p = prevs[k];
        const v = score[p] + trans[p * n + c];
        if (v > best) {
          best = v;
          arg = p;
        }
      }
      back[i * n + c] = arg;
      next[c] = best + scores[i * n + c];
    }
    [score, next] = [next, score];
  }
  if (crf) for (let t = 0; t < n; t++) score[t] += crf.end[t];
  let last = 0;
  for (let t = 1; t < n; t++) if (score[t] > score[last]) last = t;
  const path = new Array<number>(nWords);
  path[nWords - 1] = last;
  for (let i = nWords - 1; i > 0; i--) path[i - 1] = back[i * n + path[i]];
  return path;
}

/** Divides `v[off .. off+n)` by its sum; false when the sum is 0 or not finite (the caller falls back). */
function normalise(v: Float64Array, off: number, n: number): boolean {
  let sum = 0;
  for (let t = 0; t < n; t++) sum += v[off + t];
  if (!(sum > 0) || !Number.isFinite(sum)) return false;
  for (let t = 0; t < n; t++) v[off + t] /= sum;
  return true;
}

/**
 * p(word i has tag t) `[nWords, T]` under the CRF over valid BIO paths, as decoding.py `crf_marginals`:
 * what a CRF model's entity score is made of. Forward-backward with potentials (exponentials of the scores)
 * rescaled at every word, which needs no exp or log inside the T² loops (about 6x faster than in log space with
 * 79 tags); where scores are so extreme that a rescaled vector under- or overflows it runs in log space.
 */
export function crfMarginals(scores: Float64Array, nWords: number, grammar: BioGrammar, crf: CrfChain): Float64Array {
  const n = grammar.mayStart.length;
  const phi = new Float64Array(nWords * n); // exp(score - max of the word): a word's emission potentials
  for (let i = 0; i < nWords; i++) {
    let max = -Infinity;
    for (let t = 0; t < n; t++) max = Math.max(max, scores[i * n + t]);
    for (let t = 0; t < n; t++) phi[i * n + t] = Math.exp(scores[i * n + t] - max);
  }
  const alpha = new Float64Array(nWords * n);
  const beta = new Float64Array(nWords * n);
  const { prevOf, nextOf } = grammar;
  let ok = true;
  for (let t = 0; t < n; t++) alpha[t] = grammar.mayStart[t] ? crf.expStart[t] * phi[t] : 0;
  ok &&= normalise(alpha, 0, n);
  for (let i = 1; i < nWords && ok; i++) {
    const prev = (i - 1) * n;
    for (let c = 0; c < n; c++) {
      let sum = 0;
      const prevs = prevOf[c];
      for (let k = 0; k < prevs.length; k++) sum += alpha[prev + prevs[k]] * crf.expTrans[prevs[k] * n + c];
      alpha[i * n + c] = sum * phi[i * n + c];
    }
    ok = normalise(alpha, i * n, n);
  }
  for (let t = 0; t < n && ok; t++) beta[(nWords - 1) * n + t] = crf.expEnd[t];
  ok &&= normalise(beta, (nWords - 1) * n, n);
  for (let i = nWords - 2; i >= 0 && ok; i--) {
    const nx = (i + 1) * n;
    for (let p = 0; p < n; p++) {
      let sum = 0;
      const nexts = nextOf[p];
      for (let k = 0; k < nexts.length; k++) sum += crf.expTrans[p * n + nexts[k]] * phi[nx + nexts[k]] * beta[nx + nexts[k]];
      beta[i * n + p] = sum;
    }
    ok = normalise(beta, i * n, n);
  }
  const out = new Float64Array(nWords * n);
  for (let i = 0; i < nWords && ok; i++) {
    for (let t = 0; t < n; t++) out[i * n + t] = alpha[i * n + t] * beta[i * n + t];
    ok = normalise(out, i * n, n);
  }
  return ok ? out : crfMarginalsLogSpace(scores, nWords, grammar, crf);
}

/** log(sum(exp(xs))) of `n` values read by `at(k)`; -Infinity when every value is. */
function logSumExp(n: number, at: (k: number) => number): number {
  let max = -Infinity;
  for (let k = 0; k < n; k++) max = Math.max(max, at(k));
  if (max === -Infinity) return -Infinity;
  let sum = 0;
  for (let k = 0; k < n; k++) sum += Math.exp(at(k) - max);
  return max + Math.log(sum);
}

/** crfMarginals in log space, as decoding.py computes it: slower, but no potential can under- or overflow. */
export function crfMarginalsLogSpace(scores: Float64Array, nWords: number, grammar: BioGrammar, crf: CrfChain): Float64Array {
  const n = grammar.mayStart.length;
  const alpha = new Float64Array(nWords * n);
  const beta = new Float64Array(nWords * n);
  const trans = transitionsFor(grammar, crf);
  for (let t = 0; t < n; t++) alpha[t] = grammar.mayStart[t] ? scores[t] + crf.start[t] : -Infinity;
  for (let i = 1; i < nWords; i++) {
    for (let c = 0; c < n; c++) alpha[i * n + c] = logSumExp(n, (p) => alpha[(i - 1) * n + p] + trans[p * n + c]) + scores[i * n + c];
  }
  for (let t = 0; t < n; t++) beta[(nWords - 1) * n + t] = crf.end[t];
  for (let i = nWords - 2; i >= 0; i--) {
    for (let p = 0; p < n; p++) beta[i * n + p] = logSumExp(n, (c) => trans[p * n + c] + scores[(i + 1) * n + c] + beta[(i + 1) * n + c]);
  }
  const logZ = logSumExp(n, (t) => alpha[(nWords - 1) * n + t] + crf.end[t]);
  const out = new Float64Array(nWords * n);
  for (let k = 0; k < out.length; k++) out[k] = Math.exp(alpha[k] + beta[k] - logZ);
  return out;
}

/**
 * The BIO tag of each word (predicted at its first piece; a word without pieces (-1) is O) as the best
 * valid BIO sequence over the whole message, with the tag's probability. Arg-max per word breaks the
 * grammar (`O I-x`, `B-x I-y`) where the model hesitates at a boundary; Viterbi weighs both neighbours
 * instead (docs/model-format.md). Without a CRF a word's scores are its log-softmax and the probability
 * is that softmax; with one, the scores are the raw logits plus the learned scores and the probability
 * is the tag's marginal under the CRF.
 */
export function tagWords(row: TagRow, firstPiece: readonly number[], tags: readonly string[], crf: CrfChain | null = null): WordTag[] {
  const n = row.nTags;
  // log-softmax per word, as decoding.py computes it (log of a softmax would underflow to -Infinity).
  const scores = new Float64Array(firstPiece.length * n).fill(-Infinity);
  firstPiece.forEach((piece, w) => {
    if (piece < 0) {
      scores[w * n] = 0; // O, certainly
      return;
    }
    const off = row.offset + piece * n;
    if (crf) {
      for (let t = 0; t < n; t++) scores[w * n + t] = row.logits[off + t];
      return;
    }
    let max = -Infinity;
    for (let t = 0; t < n; t++) max = Math.max(max, row.logits[off + t]);
    let sum = 0;
    for (let t = 0; t < n; t++) sum += Math.exp(row.logits[off + t] - max);
    const logSum = Math.log(sum);
    for (let t = 0; t < n; t++) scores[w * n + t] = row.logits[off + t] - max - logSum;
  });
  const grammar = bioGrammar(tags);
  const path = viterbiTags(scores, firstPiece.length, grammar, crf);
  if (!crf) return path.map((t, w) => ({ tag: tags[t], prob: Math.exp(scores[w * n + t]) }));
  const marginals = crfMarginals(scores, firstPiece.length, grammar, crf);
  return path.map((t, w) => ({ tag: tags[t], prob: marginals[w * n + t] }));
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
