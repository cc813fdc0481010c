import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { UserRole } from '@app/contracts';
import { ForbiddenError, UnauthenticatedError } from './auth.errors';
import type { AuthenticatedRequest } from './auth.guard';
import { ROLES_KEY } from './roles.decorator';

/** True when `role` is one of `allowed`; no `@Roles` at all means any signed-in user. */
export function roleAllowed(role: UserRole, allowed: readonly UserRole[] | undefined): boolean {
  return !allowed || allowed.length === 0 || allowed.includes(role);
}

/** After {@link AuthGuard}: refuses a role not named by `@Roles(...)` on the handler or controller (403 `FORBIDDEN`). */
@Injectable()
export class RolesGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const allowed = this.reflector.getAllAndOverride<UserRole[] | undefined>(ROLES_KEY, [context.getHandler(), context.getClass()]);
    const user = context.switchToHttp().getRequest<AuthenticatedRequest>().user;
    if (!user) throw new UnauthenticatedError();
    if (!roleAllowed(user.role, allowed)) throw new ForbiddenError(`Only ${allowed!.join(' or ')} may do this`);
    return true;
  }
}
