import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { AuthUser } from '@app/contracts';
import { UnauthenticatedError } from './auth.errors';
import { AuthService } from './auth.service';

/** What the guards attach to the HTTP request. */
export interface AuthenticatedRequest {
  headers: Record<string, string | string[] | undefined>;
  user?: AuthUser;
  authToken?: string;
}

/** The bearer token of `Authorization: Bearer <token>`, or null. */
export function bearerToken(header: string | string[] | undefined): string | null {
  const value = Array.isArray(header) ? header[0] : header;
  const match = value?.match(/^Bearer\s+(\S+)\s*$/i);
  return match ? match[1] : null;
}

/** Refuses a request without a live sign-in token (401 `UNAUTHENTICATED`); sets `request.user`. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(private readonly auth: AuthService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const token = bearerToken(request.headers.authorization);
    if (!token) throw new UnauthenticatedError();
    request.user = await this.auth.verifyToken(token);
    request.authToken = token;
    return true;
  }
}
