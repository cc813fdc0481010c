import { DomainError } from '@app/contracts';

/** Typed answers/content errors: domain errors with a stable `code` and HTTP status, mapped once by the app's filters. */
export abstract class AnswersError extends DomainError {}

export interface RowError {
  /** 1-based row (CSV: data row after the header; JSON: array index + 1). */
  row: number;
  field: string | null;
  message: string;
}

/** An import file or a single record failed validation; `rows` lists every problem found, nothing was written. */
export class ContentValidationError extends AnswersError {
  constructor(
    message: string,
    readonly rows: RowError[] = [],
  ) {
    super('CONTENT_INVALID', message, 400);
    this.name = 'ContentValidationError';
  }

  override toJSON(): { code: string; message: string; rows: RowError[] } {
    return { code: this.code, message: this.message, rows: this.rows };
  }
}

export class ContentNotFoundError extends AnswersError {
  constructor(kind: 'template' | 'article' | 'canned response', id: string) {
    super('CONTENT_NOT_FOUND', `No ${kind} with id ${id.slice(0, 64)}`, 404);
    this.name = 'ContentNotFoundError';
  }
}

/** A unique key (article slug, canned response short code) is already taken. */
export class ContentConflictError extends AnswersError {
  constructor(message: string) {
    super('CONTENT_CONFLICT', message, 409);
    this.name = 'ContentConflictError';
  }
}
