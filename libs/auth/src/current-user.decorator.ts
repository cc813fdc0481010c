import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { AuthUser } from '@app/contracts';
import { UnauthenticatedError } from './auth.errors';
import type { AuthenticatedRequest } from './auth.guard';

/** The signed-in {@link AuthUser} of a request that passed {@link AuthGuard}. */
export const CurrentUser = createParamDecorator((_: unknown, context: ExecutionContext): AuthUser => {
  const user = context.switchToHttp().getRequest<AuthenticatedRequest>().user;
  if (!user) throw new UnauthenticatedError();
  return user;
});
