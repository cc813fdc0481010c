/**
 * Retrieval knobs. Defaults were tuned on the Bitext dev split (`npm run bench:retrieval -- --split dev`) against
 * out-of-domain questions (SNIPS/ATIS test utterances) for the accept/fall-back gate.
 */
export interface RetrievalOptions {
  /**
   * Fused score (0..1) below which the caller should fall back instead of answering from an article. Rank 1 in only
   * one list scores 0.5, so 0.6 demands that full text and the dense index (above `denseFloor`) both found it.
   */
  minScore: number;
  /** Candidates taken from each list before fusion. */
  candidates: number;
  /**
   * Dense hits below this cosine are dropped, so an off-topic question gets no dense support. Model-specific: the
   * fine-tuned encoder puts in-domain questions at cosine ~0.98 to their article and SNIPS/ATIS questions at ~0.54
   * (medians); 0.85 kept 98.8 % of Bitext dev questions answerable and let 0.3 % of off-topic ones through.
   */
  denseFloor: number;
  /** RRF weights of the lexical and the dense list. */
  lexicalWeight: number;
  denseWeight: number;
  /**
   * Extra weight (in RRF rank-1 units) for an article whose intent equals the NLU's intent hint. Off by default:
   * on Bitext dev every boost from 0.1 to 1 cost one query of recall@1 (the hint is wrong exactly where retrieval is
   * asked, when the NLU is unsure), so it is kept for knowledge bases where fused ranks tie more often.
   */
  intentBoost: number;
  /** Most example questions per article that go into its vector. */
  maxQuestionsPerArticle: number;
  /** Characters of the rendered body in a hit's snippet. */
  snippetChars: number;
}

export const DEFAULT_RETRIEVAL_OPTIONS: Readonly<RetrievalOptions> = Object.freeze({
  minScore: 0.6,
  candidates: 50,
  denseFloor: 0.85,
  lexicalWeight: 1,
  denseWeight: 1,
  intentBoost: 0,
  maxQuestionsPerArticle: 64,
  snippetChars: 420,
});

export const RETRIEVAL_OPTIONS = Symbol('RETRIEVAL_OPTIONS');
