import { Injectable } from '@nestjs/common';
import { DataSource, In, Repository } from 'typeorm';
import { KbArticle } from '../entities/kb-article.entity';
import { preparedQuery } from './prepared-query';

export type KbArticleInput = Pick<KbArticle, 'slug' | 'title' | 'body' | 'intent' | 'source' | 'questions'>;

export interface LexicalHit {
  id: string;
  rank: number;
}

export interface StoredEmbedding {
  id: string;
  intent: string | null;
  embedding: number[] | null;
  embeddingModel: string | null;
}

/** All SQL for `kb_article`, including the full-text query and the stored vectors. */
@Injectable()
export class KbArticleRepository {
  private readonly repo: Repository<KbArticle>;

  constructor(private readonly dataSource: DataSource) {
    this.repo = dataSource.getRepository(KbArticle);
  }

  /**
   * Full-text search over `search_vector`. The customer's words are parsed by `websearch_to_tsquery` (safe for any
   * input: quotes, `-`, `or`) and its ANDs are turned into ORs, because a chat question rarely has every word of the
   * article; negations are dropped (a customer's "-" is punctuation, not an operator).
   * Ranked by `ts_rank` with weights {D 0.1, C body 0.3, B questions 1.0, A title 1.0} and length normalisation 1,
   * not `ts_rank_cd`: with OR queries cover density favours long bodies that repeat one word, and on the Bitext dev
   * split lexical recall@1 was 0.764 with `ts_rank_cd` against 0.974 with this ranking.
   */
  async searchLexical(text: string, limit: number): Promise<LexicalHit[]> {
    // Named: planned once per connection, not on every retrieval turn (see preparedQuery).
    const rows = await preparedQuery(
      this.dataSource,
      'kb.search_lexical',
      `WITH q AS (
         SELECT NULLIF(replace(replace(websearch_to_tsquery('english', $1)::text, ' & ', ' | '), '!', ''), '') AS expr
       )
       SELECT a.id, ts_rank('{0.1, 0.3, 1.0, 1.0}', a.search_vector, q.expr::tsquery, 1) AS rank
         FROM kb_article a, q
        WHERE q.expr IS NOT NULL AND a.search_vector @@ q.expr::tsquery
        ORDER BY rank DESC, a.slug ASC
        LIMIT $2`,
      [text, limit],
    );
    return rows.map((r) => ({ id: r.id, rank: Number(r.rank) }));
  }

  /**
   * What a search hit shows (no vector: 384 floats per article parsed for nothing). Named, like the lexical query,
   * because it runs on every retrieval turn: through TypeORM it went over the embedded database's one wire
   * session, where under chat load (a third of the turns search) it queued for 200–500 ms behind other callers.
   */
  async findForHits(ids: string[]): Promise<Pick<KbArticle, 'id' | 'slug' | 'title' | 'body' | 'intent'>[]> {
    if (ids.length === 0) return [];
    const rows = await preparedQuery(
      this.dataSource,
      'kb.find_for_hits',
      'SELECT a.id, a.slug, a.title, a.body, a.intent FROM kb_article a WHERE a.id = ANY($1::uuid[])',
      [ids],
    );
    return rows.map((r) => ({ id: r.id, slug: r.slug, title: r.title, body: r.body, intent: r.intent }));
  }

  findById(id: string): Promise<KbArticle | null> {
    return this.repo.findOne({ where: { id } });
  }

  /** Every article's stored vector (for the in-process dense index). */
  loadEmbeddings(): Promise<StoredEmbedding[]> {
    return this.repo.find({ select: { id: true, intent: true, embedding: true, embeddingModel: true }, order: { slug: 'ASC' } });
  }

  /** Articles with no vector, or a vector from another model version. */
  findNeedingEmbedding(modelVersion: string): Promise<KbArticle[]> {
    return this.repo
      .createQueryBuilder('a')
      .where('a.embedding IS NULL OR a.embedding_model IS DISTINCT FROM :v', { v: modelVersion })
      .orderBy('a.slug', 'ASC')
      .getMany();
  }

  async setEmbedding(id: string, embedding: number[], modelVersion: string): Promise<void> {
    // Plain UPDATE without touching updated_at: a re-embed is not a content edit.
    await this.repo
      .createQueryBuilder()
      .update(KbArticle)
      .set({ embedding, embeddingModel: modelVersion, updatedAt: () => 'updated_at' })
      .where('id = :id', { id })
      .execute();
  }

  list(opts: { intent?: string; offset?: number; limit?: number } = {}): Promise<[KbArticle[], number]> {
    const qb = this.repo.createQueryBuilder('a').orderBy('a.slug', 'ASC');
    if (opts.intent) qb.where('a.intent = :intent', { intent: opts.intent });
    return qb
      .skip(opts.offset ?? 0)
      .take(opts.limit ?? 1000)
      .getManyAndCount();
  }

  count(): Promise<number> {
    return this.repo.count();
  }

  async existingSlugs(slugs: string[]): Promise<string[]> {
    if (slugs.length === 0) return [];
    const rows = await this.repo.find({ select: { slug: true }, where: { slug: In(slugs) } });
    return rows.map((r) => r.slug);
  }

  create(input: KbArticleInput): Promise<KbArticle> {
    return this.repo.save(this.repo.create({ ...input, questionsText: input.questions.join('\n') }));
  }

  /** Inserts all rows in one transaction: an import is all or nothing. */
  async insertMany(inputs: KbArticleInput[]): Promise<number> {
    if (inputs.length === 0) return 0;
    const rows = inputs.map((i) => ({ ...i, questionsText: i.questions.join('\n') }));
    await this.repo.manager.transaction(async (em) => {
      for (let i = 0; i < rows.length; i += 200) await em.insert(KbArticle, rows.slice(i, i + 200));
    });
    return rows.length;
  }

  /** Content edits clear the vector so the next reindex embeds the new text. */
  async update(id: string, patch: Partial<KbArticleInput>): Promise<KbArticle | null> {
    const found = await this.findById(id);
    if (!found) return null;
    const merged = this.repo.merge(found, patch);
    if (patch.questions) merged.questionsText = patch.questions.join('\n');
    merged.embedding = null;
    merged.embeddingModel = null;
    return this.repo.save(merged);
  }

  async delete(id: string): Promise<boolean> {
    const res = await this.repo.delete({ id });
    return (res.affected ?? 0) > 0;
  }
}
