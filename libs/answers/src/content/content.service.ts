import { Injectable, Logger } from '@nestjs/common';
import { AnswerTemplate, AnswerTemplateInput, AnswerTemplateRepository, KbArticle, KbArticleInput, KbArticleRepository } from '@app/database';
import { ContentConflictError, ContentNotFoundError } from '../answers.errors';
import { assertKeysFree, definedFields, isUuid, parseJsonArray, readCsv, validateAll } from './content-input';
import { RetrievalService } from '../retrieval/retrieval.service';
import { ContentFilesRepository } from './content-files.repository';
import { ArticleRecord, articleToRecord, LIMITS, TemplateRecord, templateToRecord, validateArticle, validateTemplate } from './content-validation';
import { toCsv } from './csv';
import { variantsHash } from './shipped-history';

export type ContentFormat = 'json' | 'csv';
export type { ArticleRecord, TemplateRecord };

const TEMPLATE_COLUMNS = ['intent', 'name', 'variants', 'required_entities', 'prompts', 'enabled', 'webhook'];
const ARTICLE_COLUMNS = ['slug', 'title', 'body', 'intent', 'questions'];

/**
 * Templates and articles as content: seeding the defaults, CRUD, and JSON/CSV import/export. Imports are validated
 * in full first (every row error reported) and written in one transaction.
 */
@Injectable()
export class ContentService {
  private readonly logger = new Logger('ContentService');

  constructor(
    private readonly templates: AnswerTemplateRepository,
    private readonly articles: KbArticleRepository,
    private readonly files: ContentFilesRepository,
    private readonly retrieval: RetrievalService,
  ) {}

  /** Loads `content/` into empty tables (each table on its own), then embeds the articles. */
  async seedDefaultsIfEmpty(): Promise<{ templates: number; articles: number }> {
    let templates = 0;
    let articles = 0;
    if ((await this.templates.count()) === 0) {
      templates = await this.templates.insertMany(validateAll(this.files.readTemplates(), (r, i) => validateTemplate(r, i, shippedSource(r, ['parley']))));
    }
    if ((await this.articles.count()) === 0) {
      articles = await this.articles.insertMany(validateAll(this.files.readArticles(), (r, i) => validateArticle(r, i, shippedSource(r, ['abcd']))));
    }
    if (templates + articles > 0) this.logger.log({ event: 'content.seeded', templates, articles });
    await this.retrieval.reindex();
    return { templates, articles };
  }

  /**
   * Gives each default template an upgraded installation still holds as an earlier version shipped it this version's
   * variants: source `bitext` or `parley` (an edit through the API makes it `user`, an import `import`) and variants
   * one of `templates.previous.json`'s sets, so nobody changed them. Only `variants` changes; name, required entities,
   * prompts and `enabled` stay. Safe on several instances booting at once (the update is conditional). Returns the
   * intents refreshed.
   */
  async refreshShippedTemplates(): Promise<string[]> {
    const superseded = this.files.readSupersededTemplates();
    if (Object.keys(superseded).length === 0) return [];
    const shipped = new Map(
      validateAll(this.files.readTemplates(), (r, i) => validateTemplate(r, i, shippedSource(r, ['parley']))).map((t) => [`${t.source}:${t.intent}`, t]),
    );
    const refreshed: string[] = [];
    for (const row of await this.templates.findBySource(['bitext', 'parley'])) {
      const now = shipped.get(`${row.source}:${row.intent}`);
      if (!now || !superseded[row.intent]?.includes(variantsHash(row.variants))) continue;
      if (await this.templates.replaceVariants(row.id, row.source, row.variants, now.variants)) refreshed.push(row.intent);
    }
    if (refreshed.length > 0) this.logger.log({ event: 'content.templates_refreshed', count: refreshed.length, intents: refreshed });
    return refreshed;
  }

  // Templates

  async listTemplates(q: { intent?: string; offset?: number; limit?: number }): Promise<{ items: TemplateRecord[]; total: number }> {
    const [rows, total] = await this.templates.list(q);
    return { items: rows.map(templateToRecord), total };
  }

  async getTemplate(id: string): Promise<TemplateRecord> {
    return templateToRecord(await this.mustTemplate(id));
  }

  async createTemplate(body: unknown): Promise<TemplateRecord> {
    const [value] = validateAll([body], (r, i) => validateTemplate(r, i, 'user'));
    return templateToRecord(await this.templates.create(value));
  }

  async updateTemplate(id: string, body: unknown): Promise<TemplateRecord> {
    const current = templateToRecord(await this.mustTemplate(id));
    const [value] = validateAll([{ ...current, ...definedFields(body) }], (r, i) => validateTemplate(r, i, 'user'));
    const saved = await this.templates.update(id, value);
    if (!saved) throw new ContentNotFoundError('template', id);
    return templateToRecord(saved);
  }

  async deleteTemplate(id: string): Promise<void> {
    if (!isUuid(id) || !(await this.templates.delete(id))) throw new ContentNotFoundError('template', id);
  }

  async importTemplates(payload: string, format: ContentFormat): Promise<{ imported: number }> {
    const rows = format === 'csv' ? csvToTemplateRows(payload) : parseJsonArray(payload);
    const valid = validateAll(rows, (r, i) => validateTemplate(r, i, 'import'));
    return { imported: await this.templates.insertMany(valid) };
  }

  async exportTemplates(format: ContentFormat): Promise<string> {
    const { items } = await this.listTemplates({ limit: LIMITS.rows * 10 });
    if (format === 'json') return JSON.stringify(items, null, 2);
    return toCsv(
      ['id', ...TEMPLATE_COLUMNS, 'source'],
      items.map((t) => [t.id ?? '', t.intent, t.name, JSON.stringify(t.variants), JSON.stringify(t.required_entities), JSON.stringify(t.prompts), String(t.enabled), String(t.webhook), t.source ?? '']),
    );
  }

  // Articles

  async listArticles(q: { intent?: string; offset?: number; limit?: number }): Promise<{ items: ArticleRecord[]; total: number }> {
    const [rows, total] = await this.articles.list(q);
    return { items: rows.map(articleToRecord), total };
  }

  async getArticle(id: string): Promise<ArticleRecord> {
    return articleToRecord(await this.mustArticle(id));
  }

  async createArticle(body: unknown): Promise<ArticleRecord> {
    const [value] = validateAll([body], (r, i) => validateArticle(r, i, 'user'));
    await this.assertSlugsFree([value.slug]);
    const saved = await this.articles.create(value);
    await this.retrieval.reindex();
    return articleToRecord(saved);
  }

  async updateArticle(id: string, body: unknown): Promise<ArticleRecord> {
    const current = articleToRecord(await this.mustArticle(id));
    const [value] = validateAll([{ ...current, ...definedFields(body) }], (r, i) => validateArticle(r, i, 'user'));
    if (value.slug !== current.slug) await this.assertSlugsFree([value.slug]);
    const saved = await this.articles.update(id, value);
    if (!saved) throw new ContentNotFoundError('article', id);
    await this.retrieval.reindex();
    return articleToRecord(saved);
  }

  async deleteArticle(id: string): Promise<void> {
    if (!isUuid(id) || !(await this.articles.delete(id))) throw new ContentNotFoundError('article', id);
    await this.retrieval.reindex();
  }

  async importArticles(payload: string, format: ContentFormat): Promise<{ imported: number; embedded: number }> {
    const rows = format === 'csv' ? csvToArticleRows(payload) : parseJsonArray(payload);
    const valid = validateAll(rows, (r, i) => validateArticle(r, i, 'import'));
    await assertKeysFree(valid, (a) => a.slug, 'slug', (slugs) => this.articles.existingSlugs(slugs));
    const imported = await this.articles.insertMany(valid);
    const { embedded } = await this.retrieval.reindex();
    return { imported, embedded };
  }

  async exportArticles(format: ContentFormat): Promise<string> {
    const { items } = await this.listArticles({ limit: LIMITS.rows * 10 });
    if (format === 'json') return JSON.stringify(items, null, 2);
    return toCsv(
      ['id', ...ARTICLE_COLUMNS, 'source'],
      items.map((a) => [a.id ?? '', a.slug, a.title, a.body, a.intent ?? '', JSON.stringify(a.questions), a.source ?? '']),
    );
  }

  // Helpers

  private async assertSlugsFree(slugs: string[]): Promise<void> {
    const taken = await this.articles.existingSlugs(slugs);
    if (taken.length > 0) throw new ContentConflictError(`An article with slug "${taken[0]}" already exists`);
  }

  private async mustTemplate(id: string): Promise<AnswerTemplate> {
    const t = isUuid(id) ? await this.templates.findById(id) : null;
    if (!t) throw new ContentNotFoundError('template', id);
    return t;
  }

  private async mustArticle(id: string): Promise<KbArticle> {
    const a = isUuid(id) ? await this.articles.findById(id) : null;
    if (!a) throw new ContentNotFoundError('article', id);
    return a;
  }
}

export type { AnswerTemplateInput, KbArticleInput };

/** A list cell holds a JSON array, or one item per line (easier to type in a spreadsheet). */
function listCell(cell: string | undefined): unknown {
  const v = (cell ?? '').trim();
  if (v === '') return [];
  if (v.startsWith('[')) return jsonCell(v);
  return v.split(/\r?\n/);
}

function jsonCell(v: string): unknown {
  try {
    return JSON.parse(v);
  } catch {
    // Handed to the validator as the raw string so the row error names the field.
    return v;
  }
}

function csvToTemplateRows(payload: string): unknown[] {
  return readCsv(payload, ['intent', 'variants']).map((r) => ({
    intent: r.intent,
    name: r.name || undefined,
    variants: listCell(r.variants),
    required_entities: listCell(r.required_entities),
    prompts: r.prompts?.trim() ? jsonCell(r.prompts.trim()) : {},
    enabled: boolCell(r.enabled, true),
    webhook: boolCell(r.webhook, false),
  }));
}

/** A CSV true/false cell; empty or absent is `fallback`; anything else is passed on for the validator to refuse. */
function boolCell(cell: string | undefined, fallback: boolean): boolean | string {
  const v = cell?.trim().toLowerCase() ?? '';
  return v === '' ? fallback : v === 'true' ? true : v === 'false' ? false : (cell as string);
}

function csvToArticleRows(payload: string): unknown[] {
  return readCsv(payload, ['slug', 'title', 'body']).map((r) => ({
    slug: r.slug,
    title: r.title,
    body: r.body,
    intent: r.intent?.trim() ? r.intent.trim() : null,
    questions: listCell(r.questions),
  }));
}

/** The source a row of `content/` names when it is one of `others` (written for Parley, ABCD), else `bitext`. */
function shippedSource<S extends string>(row: unknown, others: readonly S[]): S | 'bitext' {
  const named = (row as { source?: unknown } | null)?.source;
  return others.find((s) => s === named) ?? 'bitext';
}
