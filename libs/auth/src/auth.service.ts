import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { APP_CONFIG, AppConfig } from '@app/config';
import type { AuthUser, LoginResult } from '@app/contracts';
import { ApiTokenRepository, AppUserEntity, AppUserRepository, AuthSessionRepository, TransactionService } from '@app/database';
import { AuditService } from './audit.service';
import { InvalidCredentialsError, LoginRateLimitedError, UnauthenticatedError } from './auth.errors';
import { LoginLimiter } from './login-limiter';
import { hashPassword, verifyPassword } from './password-hasher';
import { isApiToken } from './token-kind';

/** sha256 (hex) of a bearer token: what `auth_session` stores. */
export const hashAuthToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

export const toAuthUser = (u: AppUserEntity): AuthUser => ({ id: u.id, email: u.email, name: u.name, role: u.role });

const DEFAULT_ADMIN_EMAIL = 'admin@parley.local';

/**
 * Sign-in with opaque bearer tokens: a random 256-bit token goes to the client, only its sha256 is stored
 * (`auth_session`), so every server instance can check it and logout revokes it everywhere.
 */
@Injectable()
export class AuthService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Auth');
  private readonly limiter: LoginLimiter;
  /** Compared against when the email is unknown, so a wrong email costs as much time as a wrong password. */
  private readonly dummyHash: Promise<string>;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly users: AppUserRepository,
    private readonly sessions: AuthSessionRepository,
    private readonly apiTokens: ApiTokenRepository,
    private readonly audit: AuditService,
    private readonly tx: TransactionService,
  ) {
    this.limiter = new LoginLimiter(config.auth.loginMaxFailures, config.auth.loginWindowSeconds * 1000);
    this.dummyHash = hashPassword(randomBytes(16).toString('hex'));
    this.dummyHash.catch(() => undefined);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.ensureFirstAdmin();
    // Otherwise auth_session only grows; a session expired for a day is no use to anyone.
    const removed = await this.sessions.deleteExpired(new Date(Date.now() - 24 * 3600 * 1000));
    if (removed > 0) this.logger.log({ event: 'auth.sessions_pruned', removed });
  }

  async login(email: string, password: string, ip: string): Promise<LoginResult> {
    const retryAfter = this.limiter.retryAfter(email, ip);
    if (retryAfter > 0) throw new LoginRateLimitedError(retryAfter);
    const user = await this.users.findByEmail(email.trim());
    const ok = await verifyPassword(password, user?.passwordHash ?? (await this.dummyHash));
    if (!user || !ok || user.disabled) {
      this.limiter.fail(email, ip);
      this.logger.warn({ event: 'auth.login_failed', userId: user?.id ?? null, disabled: user?.disabled ?? false });
      throw new InvalidCredentialsError();
    }
    this.limiter.succeed(email, ip);
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(Date.now() + this.config.auth.tokenTtlSeconds * 1000);
    await this.sessions.create({ userId: user.id, tokenHash: hashAuthToken(token), expiresAt });
    const authUser = toAuthUser(user);
    await this.audit.record({ actor: authUser, action: 'auth.login', targetType: 'user', targetId: user.id });
    this.logger.log({ event: 'auth.login', userId: user.id, role: user.role });
    return { token, expiresAt: expiresAt.toISOString(), user: authUser };
  }

  /**
   * The user of a live session or personal API token (`pat_…`, see ApiTokenService); throws
   * {@link UnauthenticatedError} for an unknown, expired or revoked token.
   */
  async verifyToken(token: string): Promise<AuthUser> {
    if (typeof token !== 'string' || token.length < 16 || token.length > 256) throw new UnauthenticatedError('Invalid token');
    const hash = hashAuthToken(token);
    const user = isApiToken(token) ? await this.apiTokens.findActiveUser(hash, new Date()) : await this.sessions.findActiveUser(hash, new Date());
    if (!user) throw new UnauthenticatedError('Token unknown, expired or revoked: sign in again');
    return toAuthUser(user);
  }

  /**
   * A signed-in user changes their own password (the current one is asked again). Every session of the user
   * is revoked, the one in use too, and a fresh sign-in is returned.
   */
  async changePassword(user: AuthUser, current: string, next: string, ip: string): Promise<LoginResult> {
    const account = await this.users.findByEmail(user.email);
    if (!account || !(await verifyPassword(current, account.passwordHash))) throw new InvalidCredentialsError();
    const passwordHash = await hashPassword(next);
    await this.tx.run(async (m) => {
      await this.users.update(m, user.id, { passwordHash });
      await this.sessions.revokeAllOf(m, user.id);
      await this.audit.record({ actor: user, action: 'auth.password_change', targetType: 'user', targetId: user.id }, m);
    });
    return this.login(user.email, next, ip);
  }

  /** Revokes the token in use: the session, or the API token a script signs out with. */
  async logout(token: string, user: AuthUser): Promise<void> {
    if (isApiToken(token)) await this.apiTokens.revoke({ tokenHash: hashAuthToken(token) });
    else await this.sessions.revoke(hashAuthToken(token));
    await this.audit.record({ actor: user, action: 'auth.logout', targetType: 'user', targetId: user.id });
  }

  /**
   * With no user at all, creates the first admin from PARLEY_ADMIN_EMAIL / PARLEY_ADMIN_PASSWORD; without a
   * password, generates one and prints it once on stdout (like Jenkins or Grafana): the only secret we print.
   */
  async ensureFirstAdmin(): Promise<void> {
    // Hashing costs tens of ms: skip it on every boot but the first.
    if (await this.users.hasAny()) return;
    const { email, password } = this.config.auth.firstAdmin;
    const generated = password ? null : randomBytes(18).toString('base64url');
    const created = await this.users.createIfNoUsers({
      email: email ?? DEFAULT_ADMIN_EMAIL,
      name: 'Administrator',
      passwordHash: await hashPassword(password ?? generated!),
    });
    if (!created) return;
    await this.audit.record({ actor: null, action: 'user.create', targetType: 'user', targetId: created.id, after: toAuthUser(created), reason: 'first admin at boot' });
    this.logger.log({ event: 'auth.first_admin_created', userId: created.id, generatedPassword: generated !== null });
    if (generated && this.config.log.level !== 'silent') {
      process.stdout.write(
        `\n==================== PARLEY FIRST ADMIN ====================\n` +
          `  email:    ${created.email}\n  password: ${generated}\n` +
          `  Printed once and never again. Sign in and change it (PATCH /api/users/${created.id}).\n` +
          `============================================================\n\n`,
      );
    }
  }
}
