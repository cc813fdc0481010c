import { Injectable } from '@nestjs/common';
import { DataSource, Repository } from 'typeorm';
import { AnswerTemplate } from '../entities/answer-template.entity';

export type AnswerTemplateInput = Pick<AnswerTemplate, 'intent' | 'name' | 'variants' | 'requiredEntities' | 'prompts' | 'enabled' | 'source'>;

/** Rank of a template source when several enabled templates exist for one intent: people's edits win over defaults. */
const SOURCE_PRIORITY = "CASE t.source WHEN 'user' THEN 0 WHEN 'import' THEN 1 ELSE 2 END";

/** All SQL for `answer_template`. */
@Injectable()
export class AnswerTemplateRepository {
  private readonly repo: Repository<AnswerTemplate>;

  constructor(dataSource: DataSource) {
    this.repo = dataSource.getRepository(AnswerTemplate);
  }

  /** The enabled template that answers `intent`, or null. */
  findForIntent(intent: string): Promise<AnswerTemplate | null> {
    return this.repo
      .createQueryBuilder('t')
      .where('t.intent = :intent AND t.enabled = true', { intent })
      .orderBy(SOURCE_PRIORITY, 'ASC')
      .addOrderBy('t.updated_at', 'DESC')
      .getOne();
  }

  findById(id: string): Promise<AnswerTemplate | null> {
    return this.repo.findOne({ where: { id } });
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

  create(input: AnswerTemplateInput): Promise<AnswerTemplate> {
    return this.repo.save(this.repo.create(input));
  }

  /** Inserts all rows in one transaction: an import is all or nothing. */
  async insertMany(inputs: AnswerTemplateInput[]): Promise<number> {
    if (inputs.length === 0) return 0;
    await this.repo.manager.transaction(async (em) => {
      for (let i = 0; i < inputs.length; i += 200) await em.insert(AnswerTemplate, inputs.slice(i, i + 200));
    });
    return inputs.length;
  }

  async update(id: string, patch: Partial<AnswerTemplateInput>): Promise<AnswerTemplate | null> {
    const found = await this.findById(id);
    if (!found) return null;
    return this.repo.save(this.repo.merge(found, patch));
  }

  async delete(id: string): Promise<boolean> {
    const res = await this.repo.delete({ id });
    return (res.affected ?? 0) > 0;
  }
}
