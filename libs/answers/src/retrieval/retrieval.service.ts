import { BeforeApplicationShutdown, Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { KbArticle, KbArticleRepository } from '@app/database';
import { CompanyProfile, SearchHit, SearchQuery } from '../answers.types';
import { AnswersEmbedder, COMPANY_PROFILE } from '../answers.tokens';
import { DenseIndex, meanVector } from './dense-index';
import { DEFAULT_RETRIEVAL_OPTIONS, RETRIEVAL_OPTIONS, RetrievalOptions } from './retrieval.options';
import { reciprocalRankFusion, RRF_K } from './rrf';
import { snippetOf } from './snippet';

const EMBED_BATCH = 128;
const BODY_HEAD_CHARS = 300;

/** Texts whose embeddings are averaged into an article's vector: title, example questions, the head of the body. */
export function articleTexts(a: Pick<KbArticle, 'title' | 'questions' | 'body'>, maxQuestions: number): string[] {
  const head = a.body.replace(/\{\{[^}]*\}\}/g, ' ').replace(/\s+/g, ' ').slice(0, BODY_HEAD_CHARS);
  return [a.title, ...a.questions.slice(0, maxQuestions), head].filter((t) => t.trim() !== '');
}

/**
 * Knowledge-base search for questions the templates cannot answer: PostgreSQL full text and dense cosine over an
 * in-process index of article vectors, fused by reciprocal rank fusion with an optional intent-hint boost.
 */
@Injectable()
export class RetrievalService implements BeforeApplicationShutdown {
  private readonly logger = new Logger('RetrievalService');
  private readonly options: RetrievalOptions;
  private readonly index = new DenseIndex();
  private indexVersion: string | null = null;
  private intents = new Map<string, string | null>();
  private reindexing: Promise<{ embedded: number }> = Promise.resolve({ embedded: 0 });
  private stopping = false;

  constructor(
    private readonly articles: KbArticleRepository,
    private readonly embedder: AnswersEmbedder,
    @Inject(COMPANY_PROFILE) private readonly company: CompanyProfile,
    @Optional() @Inject(RETRIEVAL_OPTIONS) options?: Partial<RetrievalOptions>,
  ) {
    this.options = { ...DEFAULT_RETRIEVAL_OPTIONS, ...options };
  }

  /** Fused score (0..1) below which the caller falls back. */
  get minScore(): number {
    return this.options.minScore;
  }

  /** Model version of the vectors in the in-process index (null until the first reindex). */
  get indexedModelVersion(): string | null {
    return this.indexVersion;
  }

  /** Hits best first; `score` is the fused score normalised to 0..1. Empty when nothing relevant was found. */
  async search(q: SearchQuery): Promise<SearchHit[]> {
    const limit = Math.max(1, Math.min(q.limit ?? 5, 50));
    const text = typeof q.text === 'string' ? q.text.slice(0, 1000) : '';
    const lexical = text.trim() === '' ? [] : await this.articles.searchLexical(text, this.options.candidates);
    const dense = this.denseSearch(q);
    const lexIds = lexical.map((h) => h.id);
    const denseIds = dense.map((h) => h.id);
    const fused = this.fuse(lexIds, denseIds, q.intentHint);
    const top = fused.slice(0, limit);
    const byId = new Map((await this.articles.findForHits(top.map((t) => t.id))).map((a) => [a.id, a]));
    const cosine = new Map(dense.map((d) => [d.id, d.score]));
    return top.flatMap((t) => {
      const a = byId.get(t.id);
      if (!a) return [];
      const lexicalRank = lexIds.indexOf(t.id);
      const denseRank = denseIds.indexOf(t.id);
      return [
        {
          articleId: a.id,
          slug: a.slug,
          title: a.title,
          snippet: snippetOf(a, this.company, this.options.snippetChars),
          score: t.score,
          lexicalRank: lexicalRank >= 0 ? lexicalRank + 1 : null,
          denseRank: denseRank >= 0 ? denseRank + 1 : null,
          intent: a.intent,
          cosine: cosine.get(a.id) ?? null,
        },
      ];
    });
  }

  /** Lexical-only / dense-only rankings for the benchmark: the same lists `search` fuses. */
  async rankLists(q: SearchQuery): Promise<{ lexical: string[]; dense: string[]; fused: string[] }> {
    const lexical = (await this.articles.searchLexical(q.text, this.options.candidates)).map((h) => h.id);
    const dense = this.denseSearch(q).map((h) => h.id);
    const fused = this.fuse(lexical, dense, q.intentHint).map((h) => h.id);
    return { lexical, dense, fused };
  }

  private denseSearch(q: SearchQuery): { id: string; score: number }[] {
    if (!(q.embedding instanceof Float32Array) || q.embedding.length !== this.index.dimension) return [];
    if (q.modelVersion && this.indexVersion && q.modelVersion !== this.indexVersion) {
      // The query comes from a newer model than the article vectors: cosine across models is meaningless.
      void this.reindex().catch((err: unknown) => this.logger.error({ event: 'retrieval.reindex.failed', error: String(err) }));
      return [];
    }
    return this.index.search(q.embedding, this.options.candidates).filter((h) => h.score >= this.options.denseFloor);
  }

  /**
   * Orders by RRF plus the intent-hint boost, but reports `score` from the two lists alone (RRF scaled so that rank 1
   * in both = 1): the hint reorders candidates, it is no evidence that the knowledge base has an answer.
   */
  private fuse(lexical: string[], dense: string[], intentHint?: string): { id: string; score: number }[] {
    const o = this.options;
    const fused = reciprocalRankFusion([lexical, dense], { k: RRF_K, weights: [o.lexicalWeight, o.denseWeight] });
    const unit = 1 / (RRF_K + 1);
    const max = (o.lexicalWeight + o.denseWeight) * unit;
    return fused
      .map((h) => {
        const boost = intentHint && this.intents.get(h.id) === intentHint ? o.intentBoost * unit : 0;
        return { id: h.id, score: Math.min(1, h.score / max), order: h.score + boost };
      })
      .sort((a, b) => b.order - a.order)
      .map(({ id, score }) => ({ id, score }));
  }

  /**
   * Embeds articles that have no vector or one from another model version, then reloads the in-process index.
   * Calls are serialised; call at boot, after a model swap and after content changes.
   */
  reindex(): Promise<{ embedded: number }> {
    const run = this.reindexing.catch(() => undefined).then(() => this.doReindex());
    this.reindexing = run;
    return run;
  }

  /**
   * A re-embedding in progress (after a model swap, an import) stops after the article it is writing, before the
   * database closes under it; the articles left keep their old vectors and are embedded at the next boot.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.reindexing.catch(() => undefined);
  }

  private async doReindex(): Promise<{ embedded: number }> {
    const version = this.embedder.modelVersion();
    if (!version) {
      await this.loadIndex(null);
      return { embedded: 0 };
    }
    if (this.stopping) return { embedded: 0 };
    const stale = await this.articles.findNeedingEmbedding(version);
    let embedded = 0;
    for (let i = 0; i < stale.length; ) {
      if (this.stopping) {
        this.logger.log({ event: 'retrieval.reindex.stopped', model: version, embedded, left: stale.length - embedded });
        return { embedded };
      }
      const batch: KbArticle[] = [];
      let texts = 0;
      while (i < stale.length && (batch.length === 0 || texts + articleTexts(stale[i], this.options.maxQuestionsPerArticle).length <= EMBED_BATCH * 4)) {
        texts += articleTexts(stale[i], this.options.maxQuestionsPerArticle).length;
        batch.push(stale[i++]);
      }
      embedded += await this.embedBatch(batch, version);
    }
    await this.loadIndex(version);
    this.logger.log({ event: 'retrieval.reindexed', model: version, embedded, indexed: this.index.size });
    return { embedded };
  }

  private async embedBatch(batch: KbArticle[], version: string): Promise<number> {
    const perArticle = batch.map((a) => articleTexts(a, this.options.maxQuestionsPerArticle));
    const vectors = await this.embedder.embed(perArticle.flat());
    let at = 0;
    let stored = 0;
    for (let j = 0; j < batch.length && !this.stopping; j++) {
      const own = vectors.slice(at, at + perArticle[j].length);
      at += perArticle[j].length;
      await this.articles.setEmbedding(batch[j].id, Array.from(meanVector(own)), version);
      stored++;
    }
    return stored;
  }

  private async loadIndex(version: string | null): Promise<void> {
    const rows = await this.articles.loadEmbeddings();
    this.intents = new Map(rows.map((r) => [r.id, r.intent]));
    const usable = version ? rows.filter((r) => r.embeddingModel === version && r.embedding && r.embedding.length > 0) : [];
    this.index.build(usable.map((r) => ({ id: r.id, vector: r.embedding as number[] })));
    this.indexVersion = version;
  }
}
