import type { AppConfig } from '@app/config';
import type { AppUserEntity, AppUserRepository, AuthSessionRepository } from '@app/database';
import type { AuditService } from './audit.service';
import { InvalidCredentialsError, LoginRateLimitedError, UnauthenticatedError } from './auth.errors';
import { hashAuthToken, AuthService } from './auth.service';
import { hashPassword } from './password-hasher';

/** An in-memory session store with the repository's semantics (live = not revoked and expires_at > now). */
function memorySessions() {
  const rows = new Map<string, { userId: string; expiresAt: Date; revoked: boolean }>();
  let user: AppUserEntity | null = null;
  const repo = {
    create: jest.fn(async (s: { userId: string; tokenHash: string; expiresAt: Date }) => void rows.set(s.tokenHash, { ...s, revoked: false })),
    findActiveUser: jest.fn(async (hash: string, now: Date) => {
      const s = rows.get(hash);
      return s && !s.revoked && s.expiresAt > now && user && !user.disabled ? user : null;
    }),
    revoke: jest.fn(async (hash: string) => {
      const s = rows.get(hash);
      if (s) s.revoked = true;
      return Boolean(s);
    }),
  };
  return { repo, rows, setUser: (u: AppUserEntity) => (user = u) };
}

const config = { auth: { tokenTtlSeconds: 3600, loginMaxFailures: 2, loginWindowSeconds: 900, firstAdmin: { email: null, password: null } }, log: { level: 'silent' } } as unknown as AppConfig;

describe('AuthService', () => {
  let sut: AuthService;
  let sessions: ReturnType<typeof memorySessions>;
  let agent: AppUserEntity;

  beforeAll(async () => {
    agent = { id: 'u1', email: 'agent@x.io', name: 'Ann', role: 'agent', disabled: false, passwordHash: await hashPassword('right password', { N: 1024, r: 8, p: 1 }) } as AppUserEntity;
  });

  beforeEach(() => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick'] });
    sessions = memorySessions();
    sessions.setUser(agent);
    const users = { findByEmail: jest.fn(async (e: string) => (e === agent.email ? agent : null)) } as unknown as AppUserRepository;
    const audit = { record: jest.fn(async () => ({})) } as unknown as AuditService;
    sut = new AuthService(config, users, sessions.repo as unknown as AuthSessionRepository, {} as never, audit, {} as never);
  });

  afterEach(() => jest.useRealTimers());

  it('issues an opaque token, stores only its sha256 and expires it after the TTL', async () => {
    jest.setSystemTime(new Date('2026-01-01T00:00:00Z'));
    const result = await sut.login('agent@x.io', 'right password', '1.2.3.4');
    expect(result.token).toMatch(/^[\w-]{43}$/);
    expect(result.expiresAt).toBe('2026-01-01T01:00:00.000Z');
    expect([...sessions.rows.keys()]).toEqual([hashAuthToken(result.token)]);
    expect(JSON.stringify([...sessions.rows])).not.toContain(result.token);

    jest.setSystemTime(new Date('2026-01-01T00:59:59Z'));
    await expect(sut.verifyToken(result.token)).resolves.toEqual({ id: 'u1', email: 'agent@x.io', name: 'Ann', role: 'agent' });
    jest.setSystemTime(new Date('2026-01-01T01:00:00Z'));
    await expect(sut.verifyToken(result.token)).rejects.toBeInstanceOf(UnauthenticatedError);
  });

  it('refuses a revoked token (logout)', async () => {
    const { token, user } = await sut.login('agent@x.io', 'right password', '1.2.3.4');
    await sut.logout(token, user);
    await expect(sut.verifyToken(token)).rejects.toBeInstanceOf(UnauthenticatedError);
  });

  it('answers a wrong password and an unknown email alike, then rate-limits the pair', async () => {
    await expect(sut.login('agent@x.io', 'wrong', '1.2.3.4')).rejects.toBeInstanceOf(InvalidCredentialsError);
    await expect(sut.login('nobody@x.io', 'wrong', '1.2.3.4')).rejects.toBeInstanceOf(InvalidCredentialsError);
    await expect(sut.login('agent@x.io', 'wrong', '1.2.3.4')).rejects.toBeInstanceOf(InvalidCredentialsError);
    await expect(sut.login('agent@x.io', 'right password', '1.2.3.4')).rejects.toBeInstanceOf(LoginRateLimitedError);
    await expect(sut.login('agent@x.io', 'right password', '5.6.7.8')).resolves.toMatchObject({ user: { id: 'u1' } });
  });

  it('refuses a disabled account with the same error as a wrong password', async () => {
    sessions.setUser({ ...agent, disabled: true } as AppUserEntity);
    agent.disabled = true;
    try {
      await expect(sut.login('agent@x.io', 'right password', '9.9.9.9')).rejects.toBeInstanceOf(InvalidCredentialsError);
    } finally {
      agent.disabled = false;
    }
  });

  it('refuses malformed tokens without a lookup', async () => {
    for (const bad of ['', 'short', 'x'.repeat(300)]) await expect(sut.verifyToken(bad)).rejects.toBeInstanceOf(UnauthenticatedError);
    expect(sessions.repo.findActiveUser).not.toHaveBeenCalled();
  });
});
