import type { AnswerTemplateRepository, KbArticleRepository } from '@app/database';
import { ContentConflictError, ContentNotFoundError, ContentValidationError } from '../answers.errors';
import type { RetrievalService } from '../retrieval/retrieval.service';
import type { ContentFilesRepository } from './content-files.repository';
import { ContentService } from './content.service';

function setup(counts = { templates: 0, articles: 0 }) {
  const templates = { count: jest.fn(async () => counts.templates), insertMany: jest.fn(async (rows: unknown[]) => rows.length), findById: jest.fn(async () => null) };
  const articles = {
    count: jest.fn(async () => counts.articles),
    insertMany: jest.fn(async (rows: unknown[]) => rows.length),
    existingSlugs: jest.fn(async (slugs: string[]) => slugs.filter((s) => s === 'taken')),
    create: jest.fn(),
  };
  const files = {
    readTemplates: () => [{ intent: 'track_order', name: 'Track', variants: ['Order {{order_id}}'], required_entities: ['order_id'], prompts: { order_id: 'Number?' } }],
    readArticles: () => [
      { slug: 'a-1', title: 'A', body: 'Body', intent: 'track_order', questions: ['q'], source: 'bitext' },
      { slug: 'abcd-x', title: 'X', body: 'Body', intent: null, questions: [], source: 'abcd' },
    ],
  };
  const retrieval = { reindex: jest.fn(async () => ({ embedded: 2 })) };
  const sut = new ContentService(
    templates as unknown as AnswerTemplateRepository,
    articles as unknown as KbArticleRepository,
    files as unknown as ContentFilesRepository,
    retrieval as unknown as RetrievalService,
  );
  return { sut, templates, articles, retrieval };
}

describe('ContentService', () => {
  it('seeds empty tables with the shipped content, keeping each article source, then reindexes', async () => {
    const { sut, templates, articles, retrieval } = setup();
    expect(await sut.seedDefaultsIfEmpty()).toEqual({ templates: 1, articles: 2 });
    expect(templates.insertMany.mock.calls[0][0][0]).toMatchObject({ intent: 'track_order', requiredEntities: ['order_id'], source: 'bitext' });
    expect((articles.insertMany.mock.calls[0][0] as { source: string }[]).map((a) => a.source)).toEqual(['bitext', 'abcd']);
    expect(retrieval.reindex).toHaveBeenCalled();
  });

  it('leaves non-empty tables alone', async () => {
    const { sut, templates, articles } = setup({ templates: 3, articles: 5 });
    expect(await sut.seedDefaultsIfEmpty()).toEqual({ templates: 0, articles: 0 });
    expect(templates.insertMany).not.toHaveBeenCalled();
    expect(articles.insertMany).not.toHaveBeenCalled();
  });

  it('rejects an import with slugs duplicated in the file or already taken, writing nothing', async () => {
    const { sut, articles } = setup();
    const data = JSON.stringify([
      { slug: 'new', title: 'T', body: 'B' },
      { slug: 'new', title: 'T2', body: 'B2' },
      { slug: 'taken', title: 'T3', body: 'B3' },
    ]);
    const err = await sut.importArticles(data, 'json').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContentValidationError);
    expect((err as ContentValidationError).rows.map((r) => [r.row, r.field])).toEqual([
      [2, 'slug'],
      [3, 'slug'],
    ]);
    expect(articles.insertMany).not.toHaveBeenCalled();
  });

  it('maps CSV structure problems to typed errors', async () => {
    const { sut } = setup();
    await expect(sut.importTemplates('name\nx\n', 'csv')).rejects.toThrow(/lacks column\(s\): intent, variants/);
    await expect(sut.importTemplates('intent,variants\n"unterminated', 'csv')).rejects.toThrow(ContentValidationError);
    await expect(sut.importTemplates('intent,variants\na,b,c\n', 'csv')).rejects.toThrow(/wrong number of fields/);
    await expect(sut.importTemplates('[]', 'json')).rejects.toThrow(/No rows/);
  });

  it('imports its own CSV export unchanged, formula guard included', async () => {
    const { sut, articles } = setup();
    const csv = 'slug,title,body,intent,questions\r\nlist,"\'=SUM(1)","\'- first step",,\r\n';
    expect(await sut.importArticles(csv, 'csv')).toMatchObject({ imported: 1 });
    expect(articles.insertMany.mock.calls[0][0]).toEqual([{ slug: 'list', title: '=SUM(1)', body: '- first step', intent: null, questions: [], source: 'import' }]);
  });

  it('creating an article with a taken slug is a conflict; an unknown id is not found', async () => {
    const { sut } = setup();
    await expect(sut.createArticle({ slug: 'taken', title: 'T', body: 'B' })).rejects.toThrow(ContentConflictError);
    await expect(sut.getTemplate('not-a-uuid')).rejects.toThrow(ContentNotFoundError);
  });

  it('answers not found for a non-uuid id without asking the database (which would fail with a 500)', async () => {
    const { sut } = setup();
    // The repository mocks have no `delete`: reaching it would throw a TypeError instead.
    await expect(sut.deleteTemplate(`' OR 1=1 --`)).rejects.toBeInstanceOf(ContentNotFoundError);
    await expect(sut.deleteArticle('__proto__')).rejects.toBeInstanceOf(ContentNotFoundError);
  });
});
