import { DomainError, ErrorCode } from '@app/contracts';

export class UnauthenticatedError extends DomainError {
  constructor(message = 'Sign in first: send Authorization: Bearer <token>') {
    super(ErrorCode.Unauthenticated, message, 401);
    this.name = 'UnauthenticatedError';
  }
}

export class ForbiddenError extends DomainError {
  constructor(message = 'Your role may not do this') {
    super(ErrorCode.Forbidden, message, 403);
    this.name = 'ForbiddenError';
  }
}

export class InvalidCredentialsError extends DomainError {
  constructor() {
    super(ErrorCode.InvalidCredentials, 'Wrong email or password', 401);
    this.name = 'InvalidCredentialsError';
  }
}

export class LoginRateLimitedError extends DomainError {
  constructor(readonly retryAfterSeconds: number) {
    super(ErrorCode.LoginRateLimited, `Too many failed sign-ins; try again in ${retryAfterSeconds} s`, 429);
    this.name = 'LoginRateLimitedError';
  }
}
