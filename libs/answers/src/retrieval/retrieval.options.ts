/** Retrieval knobs. Defaults were tuned on the Bitext dev split (`npm run bench:retrieval -- --split dev`). */
export interface RetrievalOptions {
  /** Fused score (0..1) below which the caller should fall back instead of answering from an article. */
  minScore: number;
  /** Candidates taken from each list before fusion. */
  candidates: number;
  /** Dense hits below this cosine are dropped, so a nonsense question does not reach the fusion at all. */
  denseFloor: number;
  /** RRF weights of the lexical and the dense list. */
  lexicalWeight: number;
  denseWeight: number;
  /** Extra weight (in RRF rank-1 units) for an article whose intent equals the NLU's intent hint. */
  intentBoost: number;
  /** Most example questions per article that go into its vector. */
  maxQuestionsPerArticle: number;
  /** Characters of the rendered body in a hit's snippet. */
  snippetChars: number;
}

export const DEFAULT_RETRIEVAL_OPTIONS: Readonly<RetrievalOptions> = Object.freeze({
  minScore: 0.3,
  candidates: 50,
  denseFloor: 0.25,
  lexicalWeight: 1,
  denseWeight: 1,
  intentBoost: 0.5,
  maxQuestionsPerArticle: 64,
  snippetChars: 420,
});

export const RETRIEVAL_OPTIONS = Symbol('RETRIEVAL_OPTIONS');
