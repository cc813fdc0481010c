/** Stable error codes sent to clients as `{ code, message }` (socket `error` event, ack errors, HTTP bodies). */
export const ErrorCode = {
  ValidationFailed: 'VALIDATION_FAILED',
  MessageEmpty: 'MESSAGE_EMPTY',
  MessageTooLong: 'MESSAGE_TOO_LONG',
  PayloadTooLarge: 'PAYLOAD_TOO_LARGE',
  ConversationNotFound: 'CONVERSATION_NOT_FOUND',
  ConversationNotStarted: 'CONVERSATION_NOT_STARTED',
  ConversationClosed: 'CONVERSATION_CLOSED',
  MessageNotFound: 'MESSAGE_NOT_FOUND',
  FeedbackNotAllowed: 'FEEDBACK_NOT_ALLOWED',
  CsatNotAllowed: 'CSAT_NOT_ALLOWED',
  NotFound: 'NOT_FOUND',
  ModelNotReady: 'MODEL_NOT_READY',
  Internal: 'INTERNAL_ERROR',
  Unauthenticated: 'UNAUTHENTICATED',
  Forbidden: 'FORBIDDEN',
  InvalidCredentials: 'INVALID_CREDENTIALS',
  LoginRateLimited: 'LOGIN_RATE_LIMITED',
  UserNotFound: 'USER_NOT_FOUND',
  UserExists: 'USER_EXISTS',
  ReviewItemNotFound: 'REVIEW_ITEM_NOT_FOUND',
  HandoffNotAllowed: 'HANDOFF_NOT_ALLOWED',
  RateLimited: 'RATE_LIMITED',
  DbUnavailable: 'DB_UNAVAILABLE',
  UnknownEvent: 'UNKNOWN_EVENT',
  Busy: 'BUSY',
  WebhookDeliveryNotFound: 'WEBHOOK_DELIVERY_NOT_FOUND',
  WebhookNotFailed: 'WEBHOOK_NOT_FAILED',
  WebhooksOff: 'WEBHOOKS_OFF',
  ApiTokenNotFound: 'API_TOKEN_NOT_FOUND',
  ApiTokenLimit: 'API_TOKEN_LIMIT',
  IdentityNotAccepted: 'IDENTITY_NOT_ACCEPTED',
  IdentityInvalid: 'IDENTITY_INVALID',
  IdentityMismatch: 'IDENTITY_MISMATCH',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The body of every refusal. `errorId` is set on internal errors so a log line can be found. */
export interface ErrorBody {
  code: string;
  message: string;
  errorId?: string;
  /** On `RATE_LIMITED` and `BUSY`: when to try again. */
  retryAfterMs?: number;
}

/**
 * An expected failure with a stable code. Filters map it to `{ code, message }` with `httpStatus`;
 * anything else becomes a logged 500 / `INTERNAL_ERROR`.
 */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode | string,
    message: string,
    readonly httpStatus = 400,
  ) {
    super(message);
    this.name = 'DomainError';
  }

  toJSON(): ErrorBody {
    return { code: this.code, message: this.message };
  }
}

export class ConversationNotFoundError extends DomainError {
  constructor(message = 'Unknown conversation') {
    super(ErrorCode.ConversationNotFound, message, 404);
    this.name = 'ConversationNotFoundError';
  }
}

export class ConversationNotStartedError extends DomainError {
  constructor() {
    super(ErrorCode.ConversationNotStarted, 'Send conversation:start before anything else', 409);
    this.name = 'ConversationNotStartedError';
  }
}

export class ConversationClosedError extends DomainError {
  constructor() {
    super(ErrorCode.ConversationClosed, 'This conversation is closed', 409);
    this.name = 'ConversationClosedError';
  }
}

export class ValidationFailedError extends DomainError {
  constructor(
    message: string,
    code: ErrorCode = ErrorCode.ValidationFailed,
  ) {
    super(code, message, 400);
    this.name = 'ValidationFailedError';
  }
}

/** Too many requests from one socket or IP: refused before anything is stored, so the client resends later. */
export class RateLimitedError extends DomainError {
  constructor(
    message: string,
    readonly retryAfterMs: number,
  ) {
    super(ErrorCode.RateLimited, message, 429);
    this.name = 'RateLimitedError';
  }

  override toJSON(): ErrorBody {
    return { code: this.code, message: this.message, retryAfterMs: this.retryAfterMs };
  }
}

/**
 * The database could not be reached, so the request may not have been stored. The client sends it again (a message
 * with the same clientMessageId: it is stored at most once).
 */
export class DatabaseUnavailableError extends DomainError {
  constructor(message = 'The database is not reachable right now; send it again (with the same clientMessageId) in a moment') {
    super(ErrorCode.DbUnavailable, message, 503);
    this.name = 'DatabaseUnavailableError';
  }
}

/**
 * The server has more turns queued than it can answer in time (admission control): refused before anything is
 * stored, so nothing is lost; the client resends the same clientMessageId after `retryAfterMs` (jittered).
 */
export class BusyError extends DomainError {
  constructor(
    readonly retryAfterMs: number,
    readonly reason: string,
    message = 'The server is busy; send it again (with the same clientMessageId) after retryAfterMs',
  ) {
    super(ErrorCode.Busy, message, 503);
    this.name = 'BusyError';
  }

  override toJSON(): ErrorBody {
    return { code: this.code, message: this.message, retryAfterMs: this.retryAfterMs };
  }
}
