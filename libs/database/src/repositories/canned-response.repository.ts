import { Injectable } from '@nestjs/common';
import { DataSource, In, Repository } from 'typeorm';
import { CannedResponseEntity } from '../entities/canned-response.entity';
import { likeLiteral } from './like';
import { isUniqueViolation } from './pg-errors';

export type CannedResponseInput = Pick<CannedResponseEntity, 'shortCode' | 'title' | 'text'>;

/** A write that would give a second canned response a short code already taken. */
export class ShortCodeTakenError extends Error {
  constructor(readonly shortCode: string) {
    super(`short code "${shortCode}" is taken`);
    this.name = 'ShortCodeTakenError';
  }
}

/** All SQL for `canned_response`. */
@Injectable()
export class CannedResponseRepository {
  private readonly repo: Repository<CannedResponseEntity>;

  constructor(dataSource: DataSource) {
    this.repo = dataSource.getRepository(CannedResponseEntity);
  }

  /**
   * A page of canned responses, by short code; with `q`, only those whose short code starts with it or whose title or
   * text contains it (case-insensitive), the exact short code first, then the other short codes that start with it.
   */
  list(opts: { q?: string; offset?: number; limit?: number } = {}): Promise<[CannedResponseEntity[], number]> {
    const qb = this.repo.createQueryBuilder('c');
    const q = opts.q?.trim().toLowerCase();
    if (q) {
      qb.where('(c.short_code LIKE :prefix OR c.title ILIKE :inner OR c.text ILIKE :inner)', { prefix: `${likeLiteral(q)}%`, inner: `%${likeLiteral(q)}%` })
        .addSelect('CASE WHEN c.short_code = :exact THEN 0 WHEN c.short_code LIKE :prefix THEN 1 ELSE 2 END', 'match_rank')
        .setParameter('exact', q)
        .orderBy('match_rank', 'ASC')
        .addOrderBy('c.short_code', 'ASC');
    } else {
      qb.orderBy('c.short_code', 'ASC');
    }
    return qb
      .offset(opts.offset ?? 0)
      .limit(opts.limit ?? 100)
      .getManyAndCount();
  }

  findById(id: string): Promise<CannedResponseEntity | null> {
    return this.repo.findOne({ where: { id } });
  }

  count(): Promise<number> {
    return this.repo.count();
  }

  async existingShortCodes(codes: string[]): Promise<string[]> {
    if (codes.length === 0) return [];
    const rows = await this.repo.find({ select: { shortCode: true }, where: { shortCode: In(codes) } });
    return rows.map((r) => r.shortCode);
  }

  /** Throws {@link ShortCodeTakenError} when the short code is taken (checked by the unique constraint, not before). */
  async create(input: CannedResponseInput): Promise<CannedResponseEntity> {
    return this.unique(input.shortCode, () => this.repo.save(this.repo.create(input)));
  }

  /** Null when there is no such row; {@link ShortCodeTakenError} when the new short code is another's. */
  async update(id: string, patch: CannedResponseInput): Promise<CannedResponseEntity | null> {
    const found = await this.findById(id);
    if (!found) return null;
    return this.unique(patch.shortCode, () => this.repo.save(this.repo.merge(found, patch)));
  }

  /** Inserts all rows in one transaction: an import is all or nothing. */
  async insertMany(inputs: CannedResponseInput[]): Promise<number> {
    if (inputs.length === 0) return 0;
    await this.unique(inputs.map((i) => i.shortCode).join(', '), () =>
      this.repo.manager.transaction(async (em) => {
        for (let i = 0; i < inputs.length; i += 200) await em.insert(CannedResponseEntity, inputs.slice(i, i + 200));
      }),
    );
    return inputs.length;
  }

  async delete(id: string): Promise<boolean> {
    const res = await this.repo.delete({ id });
    return (res.affected ?? 0) > 0;
  }

  private async unique<T>(shortCode: string, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (isUniqueViolation(error)) throw new ShortCodeTakenError(shortCode);
      throw error;
    }
  }
}
