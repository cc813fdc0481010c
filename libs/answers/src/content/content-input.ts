import { ContentValidationError, RowError } from '../answers.errors';
import { isObject, LIMITS } from './content-validation';
import { CsvError, parseCsvRecords } from './csv';

/*
 * What every kind of content (templates, articles, canned responses) does the same way with what a client sends:
 * whole-batch validation, PATCH bodies, ids, and JSON/CSV import payloads.
 */

/** Validates every row; throws one ContentValidationError listing all row errors, or returns the typed rows. */
export function validateAll<T>(rows: unknown[], check: (raw: unknown, row: number) => { value: T | null; errors: RowError[] }): T[] {
  if (rows.length > LIMITS.rows) throw new ContentValidationError(`At most ${LIMITS.rows} rows per import`);
  if (rows.length === 0) throw new ContentValidationError('No rows to import');
  const out: T[] = [];
  const errors: RowError[] = [];
  rows.forEach((r, i) => {
    const res = check(r, i + 1);
    if (res.value) out.push(res.value);
    errors.push(...res.errors);
  });
  if (errors.length > 0) throw new ContentValidationError(rows.length === 1 ? errors.map((e) => `${e.field ?? 'record'} ${e.message}`).join('; ') : `${errors.length} row error(s); nothing was imported`, errors);
  return out;
}

/**
 * The fields a PATCH really sent. DTO instances carry every declared field (ES2022 class fields), unset ones as
 * `undefined`, which must not erase the stored values.
 */
export function definedFields(body: unknown): Record<string, unknown> {
  if (!isObject(body)) throw new ContentValidationError('Expected a JSON object');
  return Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined));
}

/**
 * Refuses an import whose unique key (`field`, as `keyOf` reads it) repeats within the file or is taken in the table
 * (`existing` returns those of the given keys that are): every such row named, nothing written.
 */
export async function assertKeysFree<T>(rows: readonly T[], keyOf: (row: T) => string, field: string, existing: (keys: string[]) => Promise<string[]>): Promise<void> {
  const seen = new Map<string, number>();
  const errors: RowError[] = [];
  rows.forEach((r, i) => {
    const key = keyOf(r);
    if (seen.has(key)) errors.push({ row: i + 1, field, message: `duplicates row ${seen.get(key)}` });
    else seen.set(key, i + 1);
  });
  const taken = new Set(await existing([...seen.keys()]));
  rows.forEach((r, i) => taken.has(keyOf(r)) && errors.push({ row: i + 1, field, message: `${field.replace('_', ' ')} "${keyOf(r)}" already exists` }));
  if (errors.length > 0) throw new ContentValidationError(`${errors.length} row error(s); nothing was imported`, errors);
}

/** A non-uuid id cannot exist, and PostgreSQL would refuse it with an error (a 500) rather than match nothing. */
export function isUuid(id: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);
}

export function parseJsonArray(payload: string): unknown[] {
  let data: unknown;
  try {
    data = JSON.parse(payload);
  } catch (err) {
    throw new ContentValidationError(`Invalid JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(data)) throw new ContentValidationError('Expected a JSON array of records');
  return data;
}

/** A CSV import's records, keyed by the header; the header must name `required`, and every row must fit it. */
export function readCsv(payload: string, required: string[]): Record<string, string>[] {
  let parsed: ReturnType<typeof parseCsvRecords>;
  try {
    parsed = parseCsvRecords(payload);
  } catch (err) {
    if (err instanceof CsvError) throw new ContentValidationError(`Invalid CSV: ${err.message}`);
    throw err;
  }
  const missing = required.filter((c) => !parsed.header.includes(c));
  if (missing.length > 0) throw new ContentValidationError(`CSV header lacks column(s): ${missing.join(', ')}`);
  if (parsed.badRows.length > 0) {
    throw new ContentValidationError(
      `${parsed.badRows.length} CSV row(s) have the wrong number of fields`,
      parsed.badRows.map((row) => ({ row, field: null, message: `expected ${parsed.header.length} fields` })),
    );
  }
  // Undo the export's formula guard ("'=..." → "=...") so an export imports back unchanged.
  return parsed.records.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, /^'[=+\-@\t\r]/.test(v) ? v.slice(1) : v])));
}
