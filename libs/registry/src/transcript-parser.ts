import { CsvError, parseCsvRecords } from '@app/answers';
import type { EntitySpan, TranscriptFormat, TranscriptRowError } from '@app/contracts';

/** One imported turn; `intent`/`entities` only when the file labelled it (customer turns). */
export interface ParsedTurn {
  role: 'customer' | 'agent';
  text: string;
  intent?: string;
  entities?: EntitySpan[];
}

export interface ParsedConversation {
  externalId: string;
  /** First line (JSONL) or row (CSV, header = 1) of the conversation, for error reports. */
  line: number;
  turns: ParsedTurn[];
}

export interface TranscriptLabels {
  intents: ReadonlySet<string>;
  entityTypes: ReadonlySet<string>;
}

export interface TranscriptLimits {
  maxRows: number;
  maxTurns: number;
  maxTextChars: number;
}

export const DEFAULT_TRANSCRIPT_LIMITS: TranscriptLimits = { maxRows: 5000, maxTurns: 200, maxTextChars: 2000 };

/** Conversations parsed so far plus every problem found; a conversation with any error is left out of `valid`. */
export interface ParsedTranscript {
  valid: ParsedConversation[];
  errors: TranscriptRowError[];
  rows: number;
}

export class TranscriptRowLimitError extends Error {
  constructor(readonly rows: number) {
    super(`more than ${rows} rows`);
  }
}

type Problem = Omit<TranscriptRowError, 'line'>;

/**
 * Parses and validates a transcript file (JSON Lines in the training pipeline's format, or CSV
 * `conversation_id,role,text[,intent]`). Pure: the caller decides between reject-the-file and keep-valid-rows.
 * Entity offsets are code points into `text`, as in the training data.
 */
export function parseTranscript(data: string, format: TranscriptFormat, labels: TranscriptLabels, limits: TranscriptLimits = DEFAULT_TRANSCRIPT_LIMITS): ParsedTranscript {
  return format === 'csv' ? parseCsvTranscript(data, labels, limits) : parseJsonlTranscript(data, labels, limits);
}

function parseJsonlTranscript(data: string, labels: TranscriptLabels, limits: TranscriptLimits): ParsedTranscript {
  const lines = data.split(/\r?\n/);
  const nonEmpty = lines.filter((l) => l.trim() !== '').length;
  if (nonEmpty > limits.maxRows) throw new TranscriptRowLimitError(limits.maxRows);
  const valid: ParsedConversation[] = [];
  const errors: TranscriptRowError[] = [];
  const seen = new Set<string>();
  lines.forEach((raw, i) => {
    if (raw.trim() === '') return;
    const line = i + 1;
    let obj: unknown;
    try {
      obj = JSON.parse(raw);
    } catch (e) {
      errors.push({ line, field: '', code: 'INVALID_JSON', message: (e as Error).message });
      return;
    }
    const problems: Problem[] = [];
    const conv = checkConversation(obj, labels, limits, problems, seen);
    errors.push(...problems.map((p) => ({ line, ...p })));
    if (conv && problems.length === 0) valid.push({ ...conv, line });
  });
  return { valid, errors, rows: nonEmpty };
}

function checkConversation(obj: unknown, labels: TranscriptLabels, limits: TranscriptLimits, problems: Problem[], seen: Set<string>): Omit<ParsedConversation, 'line'> | null {
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) {
    problems.push({ field: '', code: 'INVALID_VALUE', message: 'each line must be a JSON object' });
    return null;
  }
  const o = obj as Record<string, unknown>;
  const externalId = checkConversationId(o.conversation_id, problems, seen);
  if (!Array.isArray(o.turns)) {
    problems.push({ field: 'turns', code: o.turns === undefined ? 'MISSING_FIELD' : 'INVALID_VALUE', message: 'turns must be an array' });
    return null;
  }
  if (o.turns.length === 0) problems.push({ field: 'turns', code: 'EMPTY', message: 'a conversation needs at least one turn' });
  if (o.turns.length > limits.maxTurns) problems.push({ field: 'turns', code: 'TOO_LONG', message: `at most ${limits.maxTurns} turns per conversation` });
  const turns = o.turns.map((t, k) => checkTurn(t, `turns[${k}]`, labels, limits, problems));
  return externalId === null ? null : { externalId, turns: turns.filter((t): t is ParsedTurn => t !== null) };
}

function checkConversationId(value: unknown, problems: Problem[], seen: Set<string>): string | null {
  if (value === undefined || value === null || value === '') {
    problems.push({ field: 'conversation_id', code: 'MISSING_FIELD', message: 'conversation_id is required' });
    return null;
  }
  if (typeof value !== 'string' && typeof value !== 'number') {
    problems.push({ field: 'conversation_id', code: 'INVALID_VALUE', message: 'conversation_id must be a string' });
    return null;
  }
  const id = String(value).trim();
  if (id.length > 200) {
    problems.push({ field: 'conversation_id', code: 'TOO_LONG', message: 'conversation_id has at most 200 characters' });
    return null;
  }
  if (seen.has(id)) {
    problems.push({ field: 'conversation_id', code: 'INVALID_VALUE', message: `conversation_id ${id} appears twice in the file` });
    return null;
  }
  seen.add(id);
  return id;
}

function checkTurn(turn: unknown, field: string, labels: TranscriptLabels, limits: TranscriptLimits, problems: Problem[]): ParsedTurn | null {
  if (!turn || typeof turn !== 'object' || Array.isArray(turn)) {
    problems.push({ field, code: 'INVALID_VALUE', message: 'a turn must be an object' });
    return null;
  }
  const t = turn as Record<string, unknown>;
  const before = problems.length;
  const role = checkRole(t.role, `${field}.role`, problems);
  const text = checkText(t.text, `${field}.text`, limits, problems);
  const intent = checkIntent(t.intent, `${field}.intent`, labels, problems);
  const entities = text === null ? undefined : checkEntities(t.entities, `${field}.entities`, text, labels, problems);
  if (problems.length > before || role === null || text === null) return null;
  // Labels on agent turns say nothing about what customers ask; they are not training data.
  if (role === 'agent' || intent === undefined) return { role, text };
  return { role, text, intent, entities: entities ?? [] };
}

function checkRole(value: unknown, field: string, problems: Problem[]): 'customer' | 'agent' | null {
  if (value === undefined || value === '') {
    problems.push({ field, code: 'MISSING_FIELD', message: 'role is required' });
    return null;
  }
  if (value !== 'customer' && value !== 'agent') {
    problems.push({ field, code: 'INVALID_VALUE', message: 'role must be customer or agent' });
    return null;
  }
  return value;
}

function checkText(value: unknown, field: string, limits: TranscriptLimits, problems: Problem[]): string | null {
  if (value === undefined || value === null) {
    problems.push({ field, code: 'MISSING_FIELD', message: 'text is required' });
    return null;
  }
  if (typeof value !== 'string') {
    problems.push({ field, code: 'INVALID_VALUE', message: 'text must be a string' });
    return null;
  }
  if (value.trim() === '') {
    problems.push({ field, code: 'EMPTY', message: 'text is empty' });
    return null;
  }
  if ([...value].length > limits.maxTextChars) {
    problems.push({ field, code: 'TOO_LONG', message: `text has at most ${limits.maxTextChars} characters` });
    return null;
  }
  return value;
}

function checkIntent(value: unknown, field: string, labels: TranscriptLabels, problems: Problem[]): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') {
    problems.push({ field, code: 'INVALID_VALUE', message: 'intent must be a string' });
    return undefined;
  }
  const intent = value.trim();
  if (!labels.intents.has(intent)) {
    problems.push({ field, code: 'UNKNOWN_INTENT', message: `intent ${intent} is not one the model knows` });
    return undefined;
  }
  return intent;
}

function checkEntities(value: unknown, field: string, text: string, labels: TranscriptLabels, problems: Problem[]): EntitySpan[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) {
    problems.push({ field, code: 'INVALID_VALUE', message: 'entities must be an array' });
    return undefined;
  }
  const length = [...text].length;
  const out: EntitySpan[] = [];
  value.forEach((e, k) => {
    const f = `${field}[${k}]`;
    const span = e as Record<string, unknown> | null;
    if (!span || typeof span !== 'object' || !Number.isInteger(span.start) || !Number.isInteger(span.end)) {
      problems.push({ field: f, code: 'INVALID_VALUE', message: 'an entity is {start, end, label} with integer offsets' });
      return;
    }
    const start = span.start as number;
    const end = span.end as number;
    if (start < 0 || end <= start || end > length) {
      problems.push({ field: f, code: 'BAD_SPAN', message: `span ${start}..${end} is outside the text (length ${length}) or empty` });
      return;
    }
    if (typeof span.label !== 'string' || !labels.entityTypes.has(span.label)) {
      problems.push({ field: `${f}.label`, code: 'UNKNOWN_ENTITY', message: `entity label ${String(span.label)} is not one the model knows` });
      return;
    }
    out.push({ start, end, label: span.label });
  });
  return out;
}

function parseCsvTranscript(data: string, labels: TranscriptLabels, limits: TranscriptLimits): ParsedTranscript {
  let parsed: ReturnType<typeof parseCsvRecords>;
  try {
    parsed = parseCsvRecords(data);
  } catch (e) {
    if (e instanceof CsvError) return { valid: [], errors: [{ line: 0, field: '', code: 'INVALID_VALUE', message: e.message }], rows: 0 };
    throw e;
  }
  if (parsed.records.length > limits.maxRows) throw new TranscriptRowLimitError(limits.maxRows);
  const missing = ['conversation_id', 'role', 'text'].filter((h) => !parsed.header.includes(h));
  if (missing.length) return { valid: [], errors: missing.map((h) => ({ line: 1, field: h, code: 'MISSING_FIELD', message: `the header needs a ${h} column` })), rows: parsed.records.length };
  const bad = new Set(parsed.badRows);
  const groups = new Map<string, { line: number; turns: ParsedTurn[]; broken: boolean }>();
  const errors: TranscriptRowError[] = [];
  parsed.records.forEach((r, i) => {
    const line = i + 2;
    const id = (r.conversation_id ?? '').trim();
    if (bad.has(i + 1)) {
      errors.push({ line, field: '', code: 'INVALID_VALUE', message: `expected ${parsed.header.length} fields` });
      if (id && groups.has(id)) groups.get(id)!.broken = true;
      return;
    }
    const problems: Problem[] = [];
    if (!id) problems.push({ field: 'conversation_id', code: 'MISSING_FIELD', message: 'conversation_id is required' });
    const turn = checkTurn({ role: r.role, text: r.text, intent: r.intent }, 'row', labels, limits, problems);
    errors.push(...problems.map((p) => ({ line, ...p, field: p.field.replace(/^row\./, '') })));
    if (!id) return;
    const group = groups.get(id) ?? { line, turns: [], broken: false };
    groups.set(id, group);
    if (turn && problems.length === 0) group.turns.push(turn);
    else group.broken = true;
  });
  const valid: ParsedConversation[] = [];
  for (const [externalId, g] of groups) {
    if (g.turns.length > limits.maxTurns) errors.push({ line: g.line, field: 'conversation_id', code: 'TOO_LONG', message: `at most ${limits.maxTurns} turns per conversation` });
    else if (!g.broken) valid.push({ externalId, line: g.line, turns: g.turns });
  }
  return { valid, errors, rows: parsed.records.length };
}
