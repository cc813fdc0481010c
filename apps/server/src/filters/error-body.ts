import { HttpException, HttpStatus, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DatabaseUnavailableError, DomainError, ErrorBody, ErrorCode } from '@app/contracts';
import { isDatabaseUnavailable, isTextRefused } from '@app/database';

const logger = new Logger('Errors');

const CODE_BY_STATUS: Record<number, string> = {
  [HttpStatus.BAD_REQUEST]: ErrorCode.ValidationFailed,
  [HttpStatus.NOT_FOUND]: ErrorCode.NotFound,
  [HttpStatus.PAYLOAD_TOO_LARGE]: ErrorCode.PayloadTooLarge,
  [HttpStatus.CONFLICT]: 'CONFLICT',
  [HttpStatus.METHOD_NOT_ALLOWED]: 'METHOD_NOT_ALLOWED',
  [HttpStatus.UNSUPPORTED_MEDIA_TYPE]: 'UNSUPPORTED_MEDIA_TYPE',
};

/**
 * Maps anything thrown to `{ code, message }` and a status: domain errors (and the NLU/answers libs' typed
 * errors, which carry a string `code`) keep theirs; Nest HTTP exceptions get a code from their status;
 * everything else is a 500 logged under a fresh `errorId`, with no internals in the body.
 */
export function toErrorBody(error: unknown, where: string): { status: number; body: ErrorBody } {
  if (error instanceof DomainError) return { status: error.httpStatus, body: error.toJSON() };
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const response = error.getResponse() as { message?: string | string[] } | string;
    const message = typeof response === 'string' ? response : Array.isArray(response.message) ? response.message.join('; ') : (response.message ?? error.message);
    if (status < 500) return { status, body: { code: CODE_BY_STATUS[status] ?? `HTTP_${status}`, message } };
  }
  const parser = bodyParserError(error);
  if (parser) return parser;
  // PostgreSQL refused, dropped or restarting: a typed 503 the client retries, not a 500 (nor a node error code).
  if (isDatabaseUnavailable(error)) {
    logger.warn({ event: 'database.unavailable', where, message: error instanceof Error ? error.message : String(error) });
    return { status: HttpStatus.SERVICE_UNAVAILABLE, body: new DatabaseUnavailableError().toJSON() };
  }
  // Text a client sent that no text column can hold (a NUL character): theirs to fix, on every write path at once.
  if (isTextRefused(error)) return { status: HttpStatus.BAD_REQUEST, body: { code: ErrorCode.ValidationFailed, message: 'Text cannot contain a NUL character' } };
  if (isCodedError(error)) {
    const status = error.code === ErrorCode.ModelNotReady ? HttpStatus.SERVICE_UNAVAILABLE : HttpStatus.BAD_REQUEST;
    return { status, body: { code: error.code, message: error.message } };
  }
  const errorId = randomUUID();
  const err = error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : { value: String(error) };
  logger.error({ event: 'error.internal', errorId, where, err });
  return { status: HttpStatus.INTERNAL_SERVER_ERROR, body: { code: ErrorCode.Internal, message: 'Internal error', errorId } };
}

/** body-parser refusals (too large, malformed JSON, bad charset) carry `type` and a 4xx `status`. */
function bodyParserError(error: unknown): { status: number; body: ErrorBody } | null {
  const e = error as { type?: unknown; status?: unknown; expose?: unknown } | null;
  if (!e || typeof e.type !== 'string' || typeof e.status !== 'number' || e.status < 400 || e.status >= 500) return null;
  if (e.type === 'entity.too.large') return { status: 413, body: { code: ErrorCode.PayloadTooLarge, message: 'Request body too large' } };
  return { status: e.status, body: { code: ErrorCode.ValidationFailed, message: 'Malformed request body' } };
}

/** The typed errors of libs/nlu and libs/answers: an Error with an upper-snake `code`. */
function isCodedError(error: unknown): error is Error & { code: string } {
  return error instanceof Error && typeof (error as { code?: unknown }).code === 'string' && /^[A-Z][A-Z0-9_]+$/.test((error as unknown as { code: string }).code);
}
