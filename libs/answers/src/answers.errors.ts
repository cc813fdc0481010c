/** Typed answers/content errors: each carries a stable `code` the HTTP filter maps to `{ code, message }`. */
export abstract class AnswersError extends Error {
  abstract readonly code: string;
  /** The HTTP status the content REST layer maps this error to. */
  abstract readonly httpStatus: number;

  toJSON(): { code: string; message: string } {
    return { code: this.code, message: this.message };
  }
}

export interface RowError {
  /** 1-based row (CSV: data row after the header; JSON: array index + 1). */
  row: number;
  field: string | null;
  message: string;
}

/** An import file or a single record failed validation; `rows` lists every problem found, nothing was written. */
export class ContentValidationError extends AnswersError {
  readonly code = 'CONTENT_INVALID';
  readonly httpStatus = 400;

  constructor(
    message: string,
    readonly rows: RowError[] = [],
  ) {
    super(message);
    this.name = 'ContentValidationError';
  }

  override toJSON(): { code: string; message: string; rows: RowError[] } {
    return { code: this.code, message: this.message, rows: this.rows };
  }
}

export class ContentNotFoundError extends AnswersError {
  readonly code = 'CONTENT_NOT_FOUND';
  readonly httpStatus = 404;

  constructor(kind: 'template' | 'article', id: string) {
    super(`No ${kind} with id ${id}`);
    this.name = 'ContentNotFoundError';
  }
}

/** A unique key (article slug) is already taken. */
export class ContentConflictError extends AnswersError {
  readonly code = 'CONTENT_CONFLICT';
  readonly httpStatus = 409;

  constructor(message: string) {
    super(message);
    this.name = 'ContentConflictError';
  }
}
