import type { AnswerTemplateInput, CannedResponseInput, KbArticleInput, TemplateSource } from '@app/database';
import { unknownCannedPlaceholders } from '../template/template-renderer';
import { RowError } from '../answers.errors';

/** External shape of a template (content files, REST, JSON/CSV import and export). */
export interface TemplateRecord {
  id?: string;
  intent: string;
  name: string;
  variants: string[];
  required_entities: string[];
  prompts: Record<string, string>;
  enabled: boolean;
  /** Answer through the fulfillment webhook (FULFILLMENT_URL), with `variants` as its fallback. */
  webhook: boolean;
  source?: TemplateSource;
}

/** External shape of a knowledge-base article. */
export interface ArticleRecord {
  id?: string;
  slug: string;
  title: string;
  body: string;
  intent: string | null;
  questions: string[];
  source?: 'bitext' | 'abcd' | 'user' | 'import';
}

/** External shape of a canned response; `rendered` (listing only) is its text filled for the agent who asked. */
export interface CannedResponseRecord {
  id?: string;
  short_code: string;
  title: string;
  text: string;
  rendered?: string;
  updated_at?: string;
}

const INTENT = /^[a-z0-9][a-z0-9_.-]{0,63}$/i;
const REQUIREMENT = /^[a-z0-9_]{1,64}(\|[a-z0-9_]{1,64}){0,4}$/;
const SLUG = /^[a-z0-9][a-z0-9-]{0,119}$/;
/** The database checks the same pattern (CHK_canned_response_short_code). */
const SHORT_CODE = /^[a-z0-9][a-z0-9_-]{0,39}$/;
export const LIMITS = { variants: 50, variantChars: 2000, questions: 500, questionChars: 500, titleChars: 300, bodyChars: 20000, rows: 5000 };

class Checker {
  readonly errors: RowError[] = [];
  constructor(private readonly row: number) {}

  fail(field: string | null, message: string): void {
    this.errors.push({ row: this.row, field, message });
  }

  text(obj: Record<string, unknown>, field: string, max: number, pattern?: RegExp): string {
    const v = obj[field];
    if (typeof v !== 'string' || v.trim() === '') this.fail(field, 'is required and must be a non-empty string');
    else if (v.length > max) this.fail(field, `is longer than ${max} characters`);
    else if (pattern && !pattern.test(v.trim())) this.fail(field, `has an invalid format (expected ${pattern.source})`);
    return typeof v === 'string' ? v.trim() : '';
  }

  list(obj: Record<string, unknown>, field: string, maxItems: number, maxChars: number, opts: { min?: number; pattern?: RegExp } = {}): string[] {
    const v = obj[field] ?? [];
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
      this.fail(field, 'must be an array of strings');
      return [];
    }
    const items = (v as string[]).map((s) => s.trim()).filter((s) => s !== '');
    if (items.length < (opts.min ?? 0)) this.fail(field, `needs at least ${opts.min} non-empty item(s)`);
    if (items.length > maxItems) this.fail(field, `has more than ${maxItems} items`);
    if (items.some((s) => s.length > maxChars)) this.fail(field, `has an item longer than ${maxChars} characters`);
    const bad = opts.pattern ? items.find((s) => !opts.pattern!.test(s)) : undefined;
    if (bad !== undefined) this.fail(field, `has an invalid item "${bad.slice(0, 40)}"`);
    return items;
  }
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Validates one template record; `row` is 1-based for error reports. */
export function validateTemplate(raw: unknown, row: number, source: AnswerTemplateInput['source']): { value: AnswerTemplateInput | null; errors: RowError[] } {
  const c = new Checker(row);
  if (!isObject(raw)) return { value: null, errors: [{ row, field: null, message: 'must be an object' }] };
  const intent = c.text(raw, 'intent', 64, INTENT);
  const name = raw.name === undefined ? intent : c.text(raw, 'name', 200);
  const variants = c.list(raw, 'variants', LIMITS.variants, LIMITS.variantChars, { min: 1 });
  const required = c.list(raw, 'required_entities', 10, 200, { pattern: REQUIREMENT });
  const prompts: Record<string, string> = {};
  if (raw.prompts !== undefined && !isObject(raw.prompts)) c.fail('prompts', 'must be an object of requirement → question');
  for (const [k, v] of Object.entries(isObject(raw.prompts) ? raw.prompts : {})) {
    if (typeof v !== 'string' || v.trim() === '' || v.length > 500) c.fail('prompts', `prompt for "${k}" must be a non-empty string of at most 500 characters`);
    else if (!required.includes(k)) c.fail('prompts', `prompt for "${k}" has no matching entry in required_entities`);
    else prompts[k] = v.trim();
  }
  if (raw.enabled !== undefined && typeof raw.enabled !== 'boolean') c.fail('enabled', 'must be true or false');
  const enabled = raw.enabled === undefined ? true : raw.enabled === true;
  if (raw.webhook !== undefined && typeof raw.webhook !== 'boolean') c.fail('webhook', 'must be true or false');
  const webhook = raw.webhook === true;
  return c.errors.length > 0 ? { value: null, errors: c.errors } : { value: { intent, name, variants, requiredEntities: required, prompts, enabled, webhook, source }, errors: [] };
}

/** Validates one article record; `row` is 1-based for error reports. */
export function validateArticle(raw: unknown, row: number, source: KbArticleInput['source']): { value: KbArticleInput | null; errors: RowError[] } {
  const c = new Checker(row);
  if (!isObject(raw)) return { value: null, errors: [{ row, field: null, message: 'must be an object' }] };
  const slug = c.text(raw, 'slug', 120, SLUG);
  const title = c.text(raw, 'title', LIMITS.titleChars);
  const body = c.text(raw, 'body', LIMITS.bodyChars);
  let intent: string | null = null;
  if (raw.intent !== undefined && raw.intent !== null && raw.intent !== '') intent = c.text(raw, 'intent', 64, INTENT);
  const questions = c.list(raw, 'questions', LIMITS.questions, LIMITS.questionChars);
  return c.errors.length > 0 ? { value: null, errors: c.errors } : { value: { slug, title, body, intent, questions, source }, errors: [] };
}

/**
 * Validates one canned response; `row` is 1-based for error reports. The short code is compared in lower case and may
 * be written with the `/` the agent types; the text is at most `maxChars` (what an agent may send) and may use only
 * `{{agent.name}}` and `{{company.<key>}}`: nothing else is known when an agent inserts it.
 */
export function validateCannedResponse(raw: unknown, row: number, maxChars: number): { value: CannedResponseInput | null; errors: RowError[] } {
  const c = new Checker(row);
  if (!isObject(raw)) return { value: null, errors: [{ row, field: null, message: 'must be an object' }] };
  const code = typeof raw.short_code === 'string' ? raw.short_code.trim().replace(/^\//, '').toLowerCase() : raw.short_code;
  const shortCode = c.text({ short_code: code }, 'short_code', 40, SHORT_CODE);
  const title = raw.title === undefined || raw.title === null || raw.title === '' ? shortCode : c.text(raw, 'title', LIMITS.titleChars);
  const text = c.text(raw, 'text', maxChars);
  const unknown = unknownCannedPlaceholders(text);
  if (unknown.length > 0) c.fail('text', `uses ${unknown.slice(0, 3).join(', ')}: a canned response may use only {{agent.name}} and {{company.<key>}}`);
  return c.errors.length > 0 ? { value: null, errors: c.errors } : { value: { shortCode, title, text }, errors: [] };
}

export function cannedResponseToRecord(r: CannedResponseInput & { id?: string; updatedAt?: Date }): CannedResponseRecord {
  return { id: r.id, short_code: r.shortCode, title: r.title, text: r.text, updated_at: r.updatedAt?.toISOString() };
}

export function templateToRecord(t: AnswerTemplateInput & { id?: string }): TemplateRecord {
  return { id: t.id, intent: t.intent, name: t.name, variants: t.variants, required_entities: t.requiredEntities, prompts: t.prompts, enabled: t.enabled, webhook: t.webhook ?? false, source: t.source };
}

export function articleToRecord(a: KbArticleInput & { id?: string }): ArticleRecord {
  return { id: a.id, slug: a.slug, title: a.title, body: a.body, intent: a.intent, questions: a.questions, source: a.source };
}
