import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bioGrammar, crfChain, crfMarginals, crfMarginalsLogSpace, decodeEntities, rankIntents, softmax, tagWords, viterbiTags } from './decoding';
import { splitWords } from './words';

const TAGS = ['O', 'B-order_id', 'I-order_id', 'B-person_name', 'I-person_name'];

/** One-hot-ish logits (10 for the wanted tag) at the given positions. */
function rowFor(tagsPerPosition: string[]): Float32Array {
  const logits = new Float32Array(tagsPerPosition.length * TAGS.length);
  tagsPerPosition.forEach((t, pos) => (logits[pos * TAGS.length + TAGS.indexOf(t)] = 10));
  return logits;
}

function decode(text: string, tags: string[]) {
  const words = splitWords(text);
  // Position 0 is [CLS]; word i sits at position i+1 in this synthetic row.
  const firstPiece = words.map((_, i) => i + 1);
  const wordTags = tagWords({ logits: rowFor(['O', ...tags, 'O']), offset: 0, nTags: TAGS.length }, firstPiece, TAGS);
  return decodeEntities(text, words, wordTags);
}

describe('softmax / rankIntents', () => {
  it('is stable for large logits and sums to 1', () => {
    const p = softmax([1000, 1001, 999]);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(p[1]).toBeGreaterThan(p[0]);
  });

  it('flattens probabilities with a temperature above 1 and keeps raw logits', () => {
    const logits = [2, 1, 0];
    const sut = rankIntents(logits, ['a', 'b', 'c'], 2, 2);
    expect(sut.map((s) => s.name)).toEqual(['a', 'b']);
    expect(sut[0].logit).toBe(2);
    expect(sut[0].confidence).toBeLessThan(softmax(logits)[0]);
    expect(sut[0].confidence).toBeCloseTo(Math.exp(1) / (Math.exp(1) + Math.exp(0.5) + 1), 12);
  });
});

describe('decodeEntities', () => {
  it('keeps punctuation inside an entity and slices the original text', () => {
    const text = 'order #A-12.5 now';
    // words: order # A - 12 . 5 now
    const sut = decode(text, ['O', 'B-order_id', 'I-order_id', 'I-order_id', 'I-order_id', 'I-order_id', 'I-order_id', 'O']);
    expect(sut).toHaveLength(1);
    expect(sut[0]).toMatchObject({ label: 'order_id', start: 6, end: 13, text: '#A-12.5' });
    expect(sut[0].score).toBeGreaterThan(0.99);
  });

  it('decodes the arg-max I- I- after O as one entity that starts with B-', () => {
    const sut = decode('call John Smith', ['O', 'I-person_name', 'I-person_name']);
    expect(sut).toEqual([expect.objectContaining({ label: 'person_name', text: 'John Smith' })]);
  });

  it('repairs invalid BIO given to it directly: an I- with another label starts a new entity', () => {
    const text = 'John 12345';
    const tags = [
      { tag: 'B-person_name', prob: 0.9 },
      { tag: 'I-order_id', prob: 0.8 },
    ];
    const sut = decodeEntities(text, splitWords(text), tags);
    expect(sut.map((e) => [e.label, e.text])).toEqual([
      ['person_name', 'John'],
      ['order_id', '12345'],
    ]);
  });

  it('splits two adjacent B- entities', () => {
    const sut = decode('123 456', ['B-order_id', 'B-order_id']);
    expect(sut.map((e) => e.text)).toEqual(['123', '456']);
  });

  it('handles CJK and emoji spans with UTF-16 offsets', () => {
    const text = '😀 王小明 订单';
    // words: 😀 王 小 明 订 单
    const sut = decode(text, ['O', 'B-person_name', 'I-person_name', 'I-person_name', 'O', 'O']);
    expect(sut[0]).toMatchObject({ text: '王小明', start: 3, end: 6 });
  });

  it('tags a word without pieces O, which ends the entity before it', () => {
    const text = '12 \u200b 34';
    const words = splitWords(text);
    const logits = new Float32Array(4 * TAGS.length);
    logits[1 * TAGS.length + 1] = 10; // B-order_id
    logits[2 * TAGS.length + 2] = 10; // I-order_id: cannot follow the O of the word between,
    logits[2 * TAGS.length + 1] = 8; // so the runner-up B-order_id opens a second entity
    const tags = tagWords({ logits, offset: 0, nTags: TAGS.length }, [1, -1, 2], TAGS);
    expect(tags[1]).toEqual({ tag: 'O', prob: 1 });
    expect(decodeEntities(text, words, tags).map((e) => e.text)).toEqual(['12', '34']);
  });

  it('returns nothing for an all-O or empty sequence', () => {
    expect(decode('hello there', ['O', 'O'])).toEqual([]);
    expect(decode('', [])).toEqual([]);
  });

  it('averages the tag probabilities into the score', () => {
    const logits = new Float32Array(3 * TAGS.length);
    logits[1 * TAGS.length + 1] = 10; // B-order_id, confident
    logits[2 * TAGS.length + 2] = 1; // I-order_id, barely
    const words = splitWords('12 34');
    const tags = tagWords({ logits, offset: 0, nTags: TAGS.length }, [1, 2], TAGS);
    const sut = decodeEntities('12 34', words, tags);
    expect(sut[0].score).toBeCloseTo((tags[0].prob + tags[1].prob) / 2, 12);
    expect(tags[1].prob).toBeLessThan(0.5);
  });
});

describe('tagWords (Viterbi over valid BIO)', () => {
  it('keeps one entity where the arg-max of the last word would split it', () => {
    // "order 12 34": word 3 leans I-person_name (0.5 vs 0.45); after B-order_id that is no valid tag,
    // and repairing it would make "34" a person. The valid path keeps "12 34" one order number.
    const p = [
      [1, 1, 1, 1, 1],
      [0.9, 0.025, 0.025, 0.025, 0.025],
      [0.3, 0.6, 0.05, 0.025, 0.025],
      [0.03, 0.01, 0.45, 0.01, 0.5],
    ];
    const logits = Float32Array.from(p.flat().map(Math.log));
    const tags = tagWords({ logits, offset: 0, nTags: TAGS.length }, [1, 2, 3], TAGS);
    expect(tags.map((t) => t.tag)).toEqual(['O', 'B-order_id', 'I-order_id']);
    expect(tags[2].prob).toBeCloseTo(0.45, 6);
    expect(decodeEntities('order 12 34', splitWords('order 12 34'), tags).map((e) => [e.label, e.text])).toEqual([['order_id', '12 34']]);
  });

  it('never lets an I- open a sequence or follow another label', () => {
    const g = bioGrammar(TAGS);
    expect(Array.from(g.mayStart)).toEqual([1, 1, 0, 1, 0]);
    const iOrder = TAGS.indexOf('I-order_id');
    expect(TAGS.filter((_, prev) => g.mayFollow[prev * TAGS.length + iOrder])).toEqual(['B-order_id', 'I-order_id']);
    expect(viterbiTags(new Float64Array(0), 0, g)).toEqual([]);
  });

  interface GoldenCase {
    tags: string[];
    first_piece: number[];
    logits: number[][];
    word_tags: string[];
    probs: number[];
    crf?: { start: number[]; end: number[]; transitions: number[][] };
  }
  const golden: { cases: GoldenCase[] } = JSON.parse(readFileSync(join(__dirname, '../../../test/fixtures/nlu/decoding.golden.json'), 'utf8'));

  it('decodes the golden cases exactly as training/src/nlu_training/decoding.py does, with and without learned CRF scores', () => {
    expect(golden.cases.length).toBeGreaterThanOrEqual(60);
    expect(golden.cases.filter((c) => c.crf).length).toBeGreaterThanOrEqual(20);
    for (const c of golden.cases) {
      const got = tagWords({ logits: Float32Array.from(c.logits.flat()), offset: 0, nTags: c.tags.length }, c.first_piece, c.tags, c.crf ? crfChain(c.crf) : null);
      expect({ case: c.first_piece, tags: got.map((t) => t.tag) }).toEqual({ case: c.first_piece, tags: c.word_tags });
      got.forEach((t, w) => expect(Math.abs(t.prob - c.probs[w])).toBeLessThan(1e-12));
    }
  });

  it('computes the same CRF marginals rescaled as in log space, and falls back to log space where potentials overflow', () => {
    const n = TAGS.length;
    const g = bioGrammar(TAGS);
    const scores = Float64Array.from({ length: 4 * n }, (_, k) => Math.sin(k * 1.7) * 3);
    const transitions = Array.from({ length: n }, (_, p) => Array.from({ length: n }, (_, c) => Math.cos(p * n + c)));
    const chain = crfChain({ start: [0.5, -1, 0, 2, 0], end: [0, 1, -1, 0, 0.5], transitions });
    const fast = crfMarginals(scores, 4, g, chain);
    const slow = crfMarginalsLogSpace(scores, 4, g, chain);
    fast.forEach((v, k) => expect(Math.abs(v - slow[k])).toBeLessThan(1e-12));
    // exp(800) is Infinity: the rescaled pass cannot run, the log-space one still gives probabilities
    const extreme = crfChain({ start: [0, 800, 0, 0, 0], end: new Array(n).fill(0), transitions });
    const m = crfMarginals(scores, 4, g, extreme);
    expect(m[1]).toBeCloseTo(1, 12); // B-order_id opens the message
    expect(Array.from(m).every(Number.isFinite)).toBe(true);
  });

  it('gives CRF marginals that sum to one over the tags of each word and never open with an I- tag', () => {
    const c = golden.cases.find((g) => g.crf && g.first_piece.length > 4);
    if (!c?.crf) throw new Error('the fixture has CRF cases with several words');
    const n = c.tags.length;
    const words = c.first_piece.length;
    const scores = Float64Array.from(c.first_piece.flatMap((p) => (p >= 0 ? c.logits[p] : c.tags.map((_, t) => (t === 0 ? 0 : -Infinity)))));
    const m = crfMarginals(scores, words, bioGrammar(c.tags), crfChain(c.crf));
    for (let w = 0; w < words; w++) expect(m.slice(w * n, (w + 1) * n).reduce((x, y) => x + y, 0)).toBeCloseTo(1, 12);
    c.tags.forEach((tag, t) => tag.startsWith('I-') && expect(m[t]).toBe(0));
  });
});
