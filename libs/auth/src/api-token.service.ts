import { Injectable, Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { ApiTokenCreated, ApiTokenView, AuthUser, DomainError, ErrorCode } from '@app/contracts';
import { ApiTokenEntity, ApiTokenRepository } from '@app/database';
import { AuditService } from './audit.service';
import { ForbiddenError } from './auth.errors';
import { hashAuthToken } from './auth.service';
import { API_TOKEN_PREFIX, isApiToken } from './token-kind';

/** Live tokens one user may hold. */
export const MAX_API_TOKENS = 20;

function toView(t: ApiTokenEntity): ApiTokenView {
  return { id: t.id, name: t.name, prefix: t.prefix, createdAt: t.createdAt.toISOString(), expiresAt: t.expiresAt?.toISOString() ?? null, lastUsedAt: t.lastUsedAt?.toISOString() ?? null };
}

/**
 * Personal API tokens (like GitHub's or Chatwoot's access tokens): a user makes one for a script or an integration;
 * it acts with the user's role as it is when used, until it expires, is revoked, or the user is disabled. Made only
 * from a signed-in session, not with another token, so a leaked token cannot mint itself successors. Audited; the
 * token is returned once and only its sha256 is stored.
 */
@Injectable()
export class ApiTokenService {
  private readonly logger = new Logger('ApiTokens');

  constructor(
    private readonly tokens: ApiTokenRepository,
    private readonly audit: AuditService,
  ) {}

  async create(user: AuthUser, usedToken: string, input: { name: string; expiresInDays?: number }): Promise<ApiTokenCreated> {
    if (isApiToken(usedToken)) throw new ForbiddenError('Make API tokens from a signed-in session, not with another API token');
    if ((await this.tokens.countLive(user.id, new Date())) >= MAX_API_TOKENS) {
      throw new DomainError(ErrorCode.ApiTokenLimit, `At most ${MAX_API_TOKENS} live API tokens per user: revoke one first`, 409);
    }
    const token = `${API_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
    const expiresAt = input.expiresInDays ? new Date(Date.now() + input.expiresInDays * 86_400_000) : null;
    const row = await this.tokens.create({ userId: user.id, name: input.name.trim(), tokenHash: hashAuthToken(token), prefix: token.slice(0, API_TOKEN_PREFIX.length + 8), expiresAt });
    const view = toView(row);
    await this.audit.record({ actor: user, action: 'api_token.create', targetType: 'api_token', targetId: row.id, after: { name: view.name, prefix: view.prefix, expiresAt: view.expiresAt } });
    this.logger.log({ event: 'api_token.created', userId: user.id, tokenId: row.id, expires: expiresAt !== null });
    return { ...view, token };
  }

  async list(user: AuthUser): Promise<ApiTokenView[]> {
    return (await this.tokens.listOf(user.id)).map(toView);
  }

  /**
   * An admin's overview of the other users' live tokens (at most 500, newest first), with their owners: to find and
   * revoke a token left by someone who moved on, or a leaked one. Admins only: the route's RolesGuard checks it.
   */
  async listOthers(adminId: string): Promise<ApiTokenView[]> {
    return (await this.tokens.listOthers(adminId, 500)).map(({ token, owner }) => ({ ...toView(token), owner }));
  }

  /** The owner revokes their token; an admin may revoke anyone's (a leaked one). */
  async revoke(user: AuthUser, id: string): Promise<void> {
    const row = await this.tokens.findById(id);
    if (!row || row.revokedAt || (row.userId !== user.id && user.role !== 'admin')) throw new DomainError(ErrorCode.ApiTokenNotFound, 'No such API token', 404);
    await this.tokens.revoke({ id });
    await this.audit.record({ actor: user, action: 'api_token.revoke', targetType: 'api_token', targetId: id, before: { userId: row.userId, name: row.name, prefix: row.prefix } });
  }
}
