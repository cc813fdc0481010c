import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@app/config';
import { CannedResponseEntity, CannedResponseRepository, ShortCodeTakenError } from '@app/database';
import { ContentConflictError, ContentNotFoundError } from '../answers.errors';
import { COMPANY_PROFILE } from '../answers.tokens';
import { CompanyProfile } from '../answers.types';
import { renderCannedResponse } from '../template/template-renderer';
import { assertKeysFree, definedFields, isUuid, parseJsonArray, readCsv, validateAll } from './content-input';
import { CannedResponseRecord, cannedResponseToRecord, LIMITS, validateCannedResponse } from './content-validation';
import { toCsv } from './csv';

const COLUMNS = ['short_code', 'title', 'text'];

/**
 * Canned responses: the replies agents keep for the questions a person answers every day, inserted in the console by
 * short code (`/refund`). CRUD, search by short code or words, JSON/CSV import and export, and the text filled for the
 * agent who inserts it (`{{agent.name}}`, `{{company.<key>}}` from the company profile).
 */
@Injectable()
export class CannedResponseService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(COMPANY_PROFILE) private readonly company: CompanyProfile,
    private readonly rows: CannedResponseRepository,
  ) {}

  /** A page, searched with `q` (see {@link CannedResponseRepository.list}); with `agentName`, each item's `rendered` text. */
  async list(q: { q?: string; offset?: number; limit?: number }, agentName?: string): Promise<{ items: CannedResponseRecord[]; total: number }> {
    const [rows, total] = await this.rows.list(q);
    return { items: rows.map((r) => this.record(r, agentName)), total };
  }

  async get(id: string): Promise<CannedResponseRecord> {
    return cannedResponseToRecord(await this.must(id));
  }

  async create(body: unknown): Promise<CannedResponseRecord> {
    const [value] = validateAll([body], (r, i) => this.validate(r, i));
    return cannedResponseToRecord(await this.written(() => this.rows.create(value)));
  }

  async update(id: string, body: unknown): Promise<CannedResponseRecord> {
    const current = cannedResponseToRecord(await this.must(id));
    const [value] = validateAll([{ ...current, ...definedFields(body) }], (r, i) => this.validate(r, i));
    const saved = await this.written(() => this.rows.update(id, value));
    if (!saved) throw new ContentNotFoundError('canned response', id);
    return cannedResponseToRecord(saved);
  }

  async delete(id: string): Promise<void> {
    if (!isUuid(id) || !(await this.rows.delete(id))) throw new ContentNotFoundError('canned response', id);
  }

  /** All rows validated, short codes checked against each other and the table, then written in one transaction. */
  async import(payload: string, format: 'json' | 'csv'): Promise<{ imported: number }> {
    const raw = format === 'csv' ? readCsv(payload, ['short_code', 'text']).map((r) => ({ short_code: r.short_code, title: r.title, text: r.text })) : parseJsonArray(payload);
    const valid = validateAll(raw, (r, i) => this.validate(r, i));
    await assertKeysFree(valid, (v) => v.shortCode, 'short_code', (codes) => this.rows.existingShortCodes(codes));
    return { imported: await this.written(() => this.rows.insertMany(valid)) };
  }

  async export(format: 'json' | 'csv'): Promise<string> {
    const { items } = await this.list({ limit: LIMITS.rows * 10 });
    if (format === 'json') return JSON.stringify(items.map(({ short_code, title, text }) => ({ short_code, title, text })), null, 2);
    return toCsv(COLUMNS, items.map((r) => [r.short_code, r.title, r.text]));
  }

  private validate(raw: unknown, row: number) {
    return validateCannedResponse(raw, row, this.config.chat.maxMessageChars);
  }

  private record(row: CannedResponseEntity, agentName?: string): CannedResponseRecord {
    const record = cannedResponseToRecord(row);
    return agentName === undefined ? record : { ...record, rendered: renderCannedResponse(row.text, this.company, agentName) };
  }

  private async must(id: string): Promise<CannedResponseEntity> {
    const row = isUuid(id) ? await this.rows.findById(id) : null;
    if (!row) throw new ContentNotFoundError('canned response', id);
    return row;
  }

  /** A write whose short code turned out taken (the unique constraint, so also a race between two admins) is a 409. */
  private async written<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (error instanceof ShortCodeTakenError) throw new ContentConflictError(`A canned response with short code "${error.shortCode}" already exists`);
      throw error;
    }
  }
}
