import { Injectable } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { DataSource, Repository } from 'typeorm';
import { AnswerTemplate, TemplateSource } from '../entities/answer-template.entity';
import { returnedRows } from './app-user.repository';

export type AnswerTemplateInput = Pick<AnswerTemplate, 'intent' | 'name' | 'variants' | 'requiredEntities' | 'prompts' | 'enabled' | 'source'> & {
  /** Default false (shipped content never calls a webhook). */
  webhook?: boolean;
};

/** Rank of a template source when several enabled templates exist for one intent: people's edits win over defaults. */
const SOURCE_PRIORITY = "CASE t.source WHEN 'user' THEN 0 WHEN 'import' THEN 1 ELSE 2 END";

/**
 * How long the in-process copy of the templates serves turns. Writes through this repository drop it at once;
 * a change made on another server instance (or by hand in SQL) is seen within this time.
 */
export const TEMPLATE_CACHE_TTL_MS = 5_000;

interface TemplateSnapshot {
  loadedAt: number;
  /** Enabled template per intent, chosen as {@link AnswerTemplateRepository.findForIntent} documents. */
  byIntent: Map<string, Readonly<AnswerTemplate>>;
  /** Every template, enabled or not (a pending slot question may point at one that was disabled since). */
  byId: Map<string, Readonly<AnswerTemplate>>;
}

/** All SQL for `answer_template`. */
@Injectable()
export class AnswerTemplateRepository {
  private readonly repo: Repository<AnswerTemplate>;
  // Every bot turn needs its intent's template: reading the (small) table once per TTL instead of once per
  // message took one of the four statements off the turn, which on PGlite all run on the event loop.
  private snapshot: TemplateSnapshot | null = null;
  private loading: Promise<TemplateSnapshot> | null = null;
  private generation = 0;

  constructor(dataSource: DataSource) {
    this.repo = dataSource.getRepository(AnswerTemplate);
  }

  /**
   * The enabled template that answers `intent`, or null: people's edits before imports before defaults, then
   * the most recently updated. Served from the in-process snapshot (see {@link TEMPLATE_CACHE_TTL_MS}); treat
   * the result as read-only.
   */
  async findForIntent(intent: string): Promise<Readonly<AnswerTemplate> | null> {
    return (await this.cached()).byIntent.get(intent) ?? null;
  }

  /** A template by id, enabled or not, from the same snapshot as {@link findForIntent}; read-only. */
  async findCachedById(id: string): Promise<Readonly<AnswerTemplate> | null> {
    return (await this.cached()).byId.get(id) ?? null;
  }

  /** Drops the snapshot: the next lookup reads the table. For writes that bypass this repository. */
  invalidateCache(): void {
    this.generation++;
    this.snapshot = null;
    this.loading = null;
  }

  /** A fresh copy from the table (the content API edits what it gets). */
  findById(id: string): Promise<AnswerTemplate | null> {
    return this.repo.findOne({ where: { id } });
  }

  private cached(): Promise<TemplateSnapshot> {
    if (this.snapshot && performance.now() - this.snapshot.loadedAt < TEMPLATE_CACHE_TTL_MS) return Promise.resolve(this.snapshot);
    this.loading ??= this.load().finally(() => (this.loading = null));
    return this.loading;
  }

  private async load(): Promise<TemplateSnapshot> {
    const generation = this.generation;
    const loadedAt = performance.now();
    const rows = await this.repo.createQueryBuilder('t').orderBy(SOURCE_PRIORITY, 'ASC').addOrderBy('t.updated_at', 'DESC').getMany();
    const byIntent = new Map<string, Readonly<AnswerTemplate>>();
    const byId = new Map<string, Readonly<AnswerTemplate>>();
    for (const row of rows) {
      const t = Object.freeze(row);
      byId.set(t.id, t);
      if (t.enabled && !byIntent.has(t.intent)) byIntent.set(t.intent, t);
    }
    const snapshot = { loadedAt, byIntent, byId };
    // A write that landed while this read ran may be missing from it: serve it once, but do not keep it.
    if (generation === this.generation) this.snapshot = snapshot;
    return snapshot;
  }

  list(opts: { intent?: string; offset?: number; limit?: number } = {}): Promise<[AnswerTemplate[], number]> {
    const qb = this.repo.createQueryBuilder('t').orderBy('t.intent', 'ASC').addOrderBy('t.created_at', 'ASC');
    if (opts.intent) qb.where('t.intent = :intent', { intent: opts.intent });
    return qb
      .skip(opts.offset ?? 0)
      .take(opts.limit ?? 1000)
      .getManyAndCount();
  }

  count(): Promise<number> {
    return this.repo.count();
  }

  async create(input: AnswerTemplateInput): Promise<AnswerTemplate> {
    try {
      return await this.repo.save(this.repo.create(input));
    } finally {
      this.invalidateCache();
    }
  }

  /** Inserts all rows in one transaction: an import is all or nothing. */
  async insertMany(inputs: AnswerTemplateInput[]): Promise<number> {
    if (inputs.length === 0) return 0;
    try {
      await this.repo.manager.transaction(async (em) => {
        for (let i = 0; i < inputs.length; i += 200) await em.insert(AnswerTemplate, inputs.slice(i, i + 200));
      });
    } finally {
      this.invalidateCache();
    }
    return inputs.length;
  }

  async update(id: string, patch: Partial<AnswerTemplateInput>): Promise<AnswerTemplate | null> {
    const found = await this.findById(id);
    if (!found) return null;
    try {
      return await this.repo.save(this.repo.merge(found, patch));
    } finally {
      this.invalidateCache();
    }
  }

  /** Every template from these sources, enabled or not. */
  findBySource(sources: readonly TemplateSource[]): Promise<AnswerTemplate[]> {
    return this.repo.createQueryBuilder('t').where('t.source IN (:...sources)', { sources }).orderBy('t.intent', 'ASC').getMany();
  }

  /**
   * Sets a template's variants only while it still holds `expected` under `source`: an edit that lands in between
   * (which makes the source `user`) wins. True if the row was changed.
   */
  async replaceVariants(id: string, source: TemplateSource, expected: readonly string[], next: readonly string[]): Promise<boolean> {
    try {
      const rows = await this.repo.query(
        `UPDATE "answer_template" SET "variants" = $1::jsonb, "updated_at" = now()
         WHERE "id" = $2 AND "source" = $3 AND "variants" = $4::jsonb RETURNING "id"`,
        [JSON.stringify(next), id, source, JSON.stringify(expected)],
      );
      return returnedRows(rows).length > 0;
    } finally {
      this.invalidateCache();
    }
  }

  async delete(id: string): Promise<boolean> {
    try {
      const res = await this.repo.delete({ id });
      return (res.affected ?? 0) > 0;
    } finally {
      this.invalidateCache();
    }
  }
}
