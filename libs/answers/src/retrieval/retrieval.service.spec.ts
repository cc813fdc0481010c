import type { KbArticle, KbArticleRepository } from '@app/database';
import { AnswersEmbedder } from '../answers.tokens';
import { RetrievalService } from './retrieval.service';

function article(id: string, intent: string | null, vector: number[]): KbArticle {
  return {
    id,
    slug: id,
    title: `Title ${id}`,
    body: `Body of ${id}. Call {{company.support_phone}}.`,
    intent,
    source: 'bitext',
    questions: [`question ${id}`],
    questionsText: null,
    embedding: vector,
    embeddingModel: 'v1',
    createdAt: new Date(0),
    updatedAt: new Date(0),
  };
}

class FixedEmbedder extends AnswersEmbedder {
  version: string | null = 'v1';
  embed = jest.fn(async (texts: string[]) => texts.map(() => Float32Array.from([0, 0, 1])));
  modelVersion(): string | null {
    return this.version;
  }
}

function setup(lexical: string[]) {
  const rows = [article('a', 'track_order', [1, 0, 0]), article('b', 'cancel_order', [0, 1, 0]), article('c', null, [0.7, 0.7, 0])];
  const repo = {
    searchLexical: jest.fn(async () => lexical.map((id, i) => ({ id, rank: 1 / (i + 1) }))),
    findForHits: jest.fn(async (ids: string[]) => rows.filter((r) => ids.includes(r.id))),
    loadEmbeddings: jest.fn(async () => rows.map(({ id, intent, embedding, embeddingModel }) => ({ id, intent, embedding, embeddingModel }))),
    findNeedingEmbedding: jest.fn(async () => []),
    setEmbedding: jest.fn(),
  };
  const embedder = new FixedEmbedder();
  const sut = new RetrievalService(repo as unknown as KbArticleRepository, embedder, { support_phone: '+1 555 0100' }, { denseFloor: 0.3, intentBoost: 0.5 });
  return { sut, repo, embedder };
}

describe('RetrievalService', () => {
  it('fuses lexical and dense ranks; agreement wins and the score is normalised to 0..1', async () => {
    const { sut } = setup(['b', 'a']);
    await sut.reindex();
    const hits = await sut.search({ text: 'where is my order', embedding: Float32Array.from([1, 0.1, 0]) });
    expect(hits.map((h) => h.slug)).toEqual(['a', 'b', 'c']);
    expect(hits[0]).toMatchObject({ lexicalRank: 2, denseRank: 1, intent: 'track_order' });
    expect(hits[0].score).toBeLessThanOrEqual(1);
    expect(hits[0].score).toBeCloseTo((1 / 62 + 1 / 61) / (2 / 61), 6);
    expect(hits[0].snippet).toContain('+1 555 0100');
  });

  it('boosts articles of the hinted intent', async () => {
    const { sut } = setup(['a', 'b']);
    await sut.reindex();
    const plain = await sut.search({ text: 'x', embedding: Float32Array.from([0, 0, 1]) });
    const hinted = await sut.search({ text: 'x', embedding: Float32Array.from([0, 0, 1]), intentHint: 'cancel_order' });
    expect(plain[0].slug).toBe('a');
    expect(hinted[0].slug).toBe('b');
  });

  it('drops dense hits under the floor, so unrelated text finds nothing', async () => {
    const { sut } = setup([]);
    await sut.reindex();
    expect(await sut.search({ text: 'qwxz', embedding: Float32Array.from([0, 0, 1]) })).toEqual([]);
  });

  it('stops a re-embedding at shutdown after the article it is writing, before the database closes', async () => {
    const { sut, repo, embedder } = setup([]);
    const stale = Array.from({ length: 400 }, (_, i) => article(`s${i}`, null, [1, 0, 0]));
    repo.findNeedingEmbedding.mockResolvedValueOnce(stale as never);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    embedder.embed.mockImplementationOnce(async (texts: string[]) => {
      await gate;
      return texts.map(() => Float32Array.from([0, 0, 1]));
    });
    const running = sut.reindex();
    await new Promise((resolve) => setImmediate(resolve));
    const stopped = sut.beforeApplicationShutdown();
    release();
    await stopped;
    // The first batch had been embedded: nothing of it is written once shutdown began, and no later batch runs.
    expect(await running).toEqual({ embedded: 0 });
    expect(embedder.embed).toHaveBeenCalledTimes(1);
    expect(repo.setEmbedding).not.toHaveBeenCalled();
    expect(repo.loadEmbeddings).not.toHaveBeenCalled();
    expect(await sut.reindex()).toEqual({ embedded: 0 });
  });

  it('skips the dense list for a query from another model version and re-embeds in the background', async () => {
    const { sut, repo, embedder } = setup(['b']);
    await sut.reindex();
    embedder.version = 'v2';
    const hits = await sut.search({ text: 'x', embedding: Float32Array.from([1, 0, 0]), modelVersion: 'v2' });
    expect(hits.map((h) => [h.slug, h.denseRank])).toEqual([['b', null]]);
    await sut.reindex();
    expect(repo.findNeedingEmbedding).toHaveBeenCalledWith('v2');
  });

  it('embeds stale articles as the normalised mean of their texts', async () => {
    const { sut, repo, embedder } = setup([]);
    const stale = article('s', null, []);
    repo.findNeedingEmbedding.mockResolvedValueOnce([stale] as never);
    expect(await sut.reindex()).toEqual({ embedded: 1 });
    expect(embedder.embed).toHaveBeenCalledWith(['Title s', 'question s', 'Body of s. Call .']);
    expect(repo.setEmbedding).toHaveBeenCalledWith('s', [0, 0, 1], 'v1');
  });
});
