import { Client } from 'pg';
import { randomUUID } from 'node:crypto';
import type { UserRole } from '@app/contracts';
import { hashAuthToken } from '@app/auth';
import {
  bearer,
  bootTestApp,
  connectAgent,
  DEFAULT_TEST_DATABASE_URL,
  ensureUser,
  login,
  makePgliteDir,
  removeDir,
  signIn,
  TEST_PASSWORD,
  TestApp,
  TestDatabase,
} from '@app/testing';

/**
 * Accounts and roles end to end on the real app (PGlite and PostgreSQL): the first admin at boot, sign-in,
 * expiry, logout, disabled accounts, login rate limit, and every REST route refused to the anonymous (401)
 * and to the wrong role (403).
 */
jest.setTimeout(180_000);

const FIRST_ADMIN = { email: 'Boss@Parley.Test', password: 'first-admin-password-123' };
const MAX_FAILURES = 3;

type Route = { method: string; path: string; roles: UserRole[]; body?: () => unknown };
const id = () => randomUUID();

/** Every route of the agent console and the content/conversation REST, with the roles that may call it. */
const ROUTES: Route[] = [
  { method: 'GET', path: '/api/auth/me', roles: ['agent', 'admin'] },
  { method: 'GET', path: '/api/auth/tokens', roles: ['agent', 'admin'] },
  { method: 'POST', path: '/api/auth/tokens', roles: ['agent', 'admin'], body: () => ({ name: `roles ${id()}` }) },
  { method: 'DELETE', path: `/api/auth/tokens/${id()}`, roles: ['agent', 'admin'] },
  { method: 'GET', path: '/api/users', roles: ['admin'] },
  { method: 'POST', path: '/api/users', roles: ['admin'], body: () => ({ email: `u-${id()}@parley.test`, name: 'New', role: 'agent', password: 'a-long-password' }) },
  { method: 'PATCH', path: `/api/users/${id()}`, roles: ['admin'], body: () => ({ name: 'Renamed' }) },
  { method: 'GET', path: '/api/audit', roles: ['admin'] },
  { method: 'GET', path: '/api/review', roles: ['agent', 'admin'] },
  { method: 'GET', path: `/api/review/${id()}`, roles: ['agent', 'admin'] },
  { method: 'POST', path: `/api/review/${id()}/decision`, roles: ['agent', 'admin'], body: () => ({ action: 'confirm' }) },
  { method: 'POST', path: `/api/messages/${id()}/flag`, roles: ['agent', 'admin'], body: () => ({}) },
  { method: 'GET', path: '/api/handoffs', roles: ['agent', 'admin'] },
  { method: 'POST', path: `/api/conversations/${id()}/take`, roles: ['agent', 'admin'] },
  { method: 'POST', path: `/api/conversations/${id()}/release`, roles: ['agent', 'admin'] },
  { method: 'POST', path: `/api/conversations/${id()}/messages`, roles: ['agent', 'admin'], body: () => ({ text: 'hello' }) },
  { method: 'GET', path: '/api/conversations', roles: ['agent', 'admin'] },
  { method: 'GET', path: `/api/conversations/${id()}`, roles: ['agent', 'admin'] },
  { method: 'GET', path: `/api/conversations/${id()}/drafts`, roles: ['agent', 'admin'] },
  { method: 'POST', path: '/api/nlu/parse', roles: ['agent', 'admin'], body: () => ({ text: 'where is my order' }) },
  { method: 'GET', path: '/api/analytics/summary', roles: ['admin'] },
  { method: 'GET', path: '/api/webhooks/deliveries', roles: ['admin'] },
  { method: 'POST', path: `/api/webhooks/deliveries/${id()}/retry`, roles: ['admin'] },
  { method: 'POST', path: '/api/webhooks/deliveries/retry-failed', roles: ['admin'] },
  { method: 'DELETE', path: `/api/conversations/${id()}`, roles: ['admin'] },
  ...(['templates', 'articles', 'canned-responses'] as const).flatMap((kind): Route[] => [
    { method: 'GET', path: `/api/content/${kind}`, roles: ['agent', 'admin'] },
    { method: 'GET', path: `/api/content/${kind}/export?format=json`, roles: ['agent', 'admin'] },
    { method: 'GET', path: `/api/content/${kind}/${id()}`, roles: ['agent', 'admin'] },
    { method: 'POST', path: `/api/content/${kind}`, roles: ['admin'], body: () => ({}) },
    { method: 'POST', path: `/api/content/${kind}/import`, roles: ['admin'], body: () => ({ format: 'json', data: [] }) },
    { method: 'PATCH', path: `/api/content/${kind}/${id()}`, roles: ['admin'], body: () => ({}) },
    { method: 'DELETE', path: `/api/content/${kind}/${id()}`, roles: ['admin'] },
  ]),
];

/**
 * Routes anyone may call, on purpose: signing in, and the public help-center article a bot reply cites (the
 * customer's widget links to it). A new route lands here only by a deliberate edit.
 */
const PUBLIC = new Set(['POST /api/auth/login', 'GET /api/help/articles/{id}', 'POST /api/channels/rest/messages', 'GET /api/channels/rest/messages', 'POST /api/channels/rest/csat', 'POST /api/channels/rest/contact']);

async function emptyUsers(url: string): Promise<void> {
  // Our own test database: the first admin is created only while there is no user at all.
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const exists = await client.query(`SELECT to_regclass('public.app_user') IS NOT NULL AS ok`);
    if (exists.rows[0].ok) await client.query(`TRUNCATE "app_user" CASCADE`);
  } finally {
    await client.end();
  }
}

describe.each<[TestDatabase]>([['pglite'], ['postgres']])('accounts and roles on %s', (kind) => {
  let t: TestApp;
  let dir: string | undefined;
  const tokens: Partial<Record<UserRole, string>> = {};

  const call = async (method: string, path: string, opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {}) => {
    const headers: Record<string, string> = { ...(opts.token ? bearer(opts.token) : {}), ...opts.headers };
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${t.url}${path}`, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
    const text = await res.text();
    return { status: res.status, body: text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
  };

  beforeAll(async () => {
    if (kind === 'postgres') await emptyUsers(process.env.TEST_DATABASE_URL ?? DEFAULT_TEST_DATABASE_URL);
    dir = kind === 'pglite' ? makePgliteDir() : undefined;
    t = await bootTestApp(
      { kind, pgliteDir: dir },
      { PARLEY_ADMIN_EMAIL: FIRST_ADMIN.email, PARLEY_ADMIN_PASSWORD: FIRST_ADMIN.password, AUTH_LOGIN_MAX_FAILURES: String(MAX_FAILURES) },
    );
    tokens.agent = (await signIn(t, 'agent')).token;
    tokens.admin = (await signIn(t, 'admin')).token;
  });

  afterAll(async () => {
    await t?.close();
    if (dir) removeDir(dir);
  });

  it('creates the first admin from PARLEY_ADMIN_EMAIL / PARLEY_ADMIN_PASSWORD on an empty database, lower-cased', async () => {
    const result = await login(t.url, FIRST_ADMIN.email.toUpperCase(), FIRST_ADMIN.password);
    expect(result.user).toMatchObject({ email: 'boss@parley.test', role: 'admin', name: 'Administrator' });
    const rows = await t.dataSource.query(`SELECT password_hash FROM app_user WHERE email = 'boss@parley.test'`);
    expect(rows[0].password_hash).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(rows[0].password_hash).not.toContain(FIRST_ADMIN.password);
    const audit = await t.dataSource.query(`SELECT actor_id, reason FROM audit_log WHERE action = 'user.create' AND target_id = $1`, [result.user.id]);
    expect(audit).toEqual([{ actor_id: null, reason: 'first admin at boot' }]);
  });

  it('signs in with a token that expires, stores only its hash, and /me tells who it is', async () => {
    const agent = await ensureUser(t, { email: `me-${id()}@parley.test`, role: 'agent' });
    const before = Date.now();
    const result = await login(t.url, agent.email);
    const after = Date.now();
    expect(result.user).toEqual(agent);
    const ttlMs = t.config.auth.tokenTtlSeconds * 1000;
    expect(Date.parse(result.expiresAt)).toBeGreaterThanOrEqual(before + ttlMs);
    expect(Date.parse(result.expiresAt)).toBeLessThanOrEqual(after + ttlMs);
    const stored = await t.dataSource.query(`SELECT token_hash FROM auth_session WHERE user_id = $1`, [agent.id]);
    expect(stored.map((r: { token_hash: string }) => r.token_hash)).toEqual([hashAuthToken(result.token)]);
    expect(await call('GET', '/api/auth/me', { token: result.token })).toEqual({ status: 200, body: agent });

    await t.dataSource.query(`UPDATE auth_session SET expires_at = now() - interval '1 second' WHERE token_hash = $1`, [hashAuthToken(result.token)]);
    expect(await call('GET', '/api/auth/me', { token: result.token })).toMatchObject({ status: 401, body: { code: 'UNAUTHENTICATED' } });
  });

  it('logs out: the token is refused by REST and by the agent socket from then on', async () => {
    const { token } = await signIn(t, 'agent');
    const socket = await connectAgent(t.url, token);
    socket.disconnect();
    expect((await call('POST', '/api/auth/logout', { token })).status).toBe(204);
    expect(await call('GET', '/api/auth/me', { token })).toMatchObject({ status: 401, body: { code: 'UNAUTHENTICATED' } });
    await expect(connectAgent(t.url, token)).rejects.toMatchObject({ data: { code: 'UNAUTHENTICATED' } });
  });

  it('lets a user change their own password: the current one is asked, every old session ends', async () => {
    const agent = await ensureUser(t, { email: `pw-${id()}@parley.test`, role: 'agent' });
    const first = await login(t.url, agent.email);
    const second = await login(t.url, agent.email);
    const wrong = await call('POST', '/api/auth/password', { token: first.token, body: { currentPassword: 'not it', newPassword: 'a brand new passphrase' } });
    expect(wrong).toMatchObject({ status: 401, body: { code: 'INVALID_CREDENTIALS' } });
    const short = await call('POST', '/api/auth/password', { token: first.token, body: { currentPassword: TEST_PASSWORD, newPassword: 'short' } });
    expect(short).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
    const changed = await call('POST', '/api/auth/password', { token: first.token, body: { currentPassword: TEST_PASSWORD, newPassword: 'a brand new passphrase' } });
    expect(changed).toMatchObject({ status: 200, body: { user: { id: agent.id } } });
    for (const old of [first.token, second.token]) expect((await call('GET', '/api/auth/me', { token: old })).status).toBe(401);
    expect((await call('GET', '/api/auth/me', { token: changed.body.token })).status).toBe(200);
    await expect(login(t.url, agent.email)).rejects.toThrow(/401/);
    await login(t.url, agent.email, 'a brand new passphrase');
  });

  it('refuses the agent socket without a token or with a made-up one', async () => {
    await expect(connectAgent(t.url, undefined)).rejects.toMatchObject({ data: { code: 'UNAUTHENTICATED' } });
    await expect(connectAgent(t.url, 'x'.repeat(43))).rejects.toMatchObject({ data: { code: 'UNAUTHENTICATED' } });
  });

  it('refuses wrong credentials alike, then rate-limits that email + IP', async () => {
    const agent = await ensureUser(t, { email: `rl-${id()}@parley.test`, role: 'agent' });
    const wrong = await call('POST', '/api/auth/login', { body: { email: agent.email, password: 'wrong password' } });
    const unknown = await call('POST', '/api/auth/login', { body: { email: `nobody-${id()}@parley.test`, password: 'wrong password' } });
    expect(wrong).toMatchObject({ status: 401, body: { code: 'INVALID_CREDENTIALS' } });
    expect(unknown).toEqual(wrong);
    for (let i = 1; i < MAX_FAILURES; i++) await call('POST', '/api/auth/login', { body: { email: agent.email, password: 'still wrong' } });
    const limited = await call('POST', '/api/auth/login', { body: { email: agent.email, password: TEST_PASSWORD } });
    expect(limited).toMatchObject({ status: 429, body: { code: 'LOGIN_RATE_LIMITED' } });
    expect(await call('POST', '/api/auth/login', { body: { email: agent.email } })).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
  });

  it('lets an admin manage accounts, audited with before/after and never the password hash', async () => {
    const email = `new-${id()}@parley.test`;
    const created = await call('POST', '/api/users', { token: tokens.admin, body: { email, name: 'Nia', role: 'agent', password: 'a-long-password' } });
    expect(created).toMatchObject({ status: 201, body: { email, name: 'Nia', role: 'agent', disabled: false } });
    expect(created.body.passwordHash).toBeUndefined();
    const dup = await call('POST', '/api/users', { token: tokens.admin, body: { email: email.toUpperCase(), name: 'Nia', role: 'agent', password: 'a-long-password' } });
    expect(dup).toMatchObject({ status: 409, body: { code: 'USER_EXISTS' } });

    const { token } = await login(t.url, email, 'a-long-password');
    const promoted = await call('PATCH', `/api/users/${created.body.id}`, { token: tokens.admin, body: { role: 'admin' } });
    expect(promoted).toMatchObject({ status: 200, body: { role: 'admin' } });
    const audit = await call('GET', `/api/audit?targetType=user&targetId=${created.body.id}`, { token: tokens.admin });
    expect(audit.body.items.map((e: { action: string }) => e.action)).toEqual(['user.update', 'auth.login', 'user.create']);
    expect(audit.body.items[0]).toMatchObject({ before: { role: 'agent' }, after: { role: 'admin' }, actorEmail: expect.stringMatching(/^admin-/) });
    expect(JSON.stringify(audit.body)).not.toMatch(/scrypt|password_?hash/i);

    const disabled = await call('PATCH', `/api/users/${created.body.id}`, { token: tokens.admin, body: { disabled: true } });
    expect(disabled.body.disabled).toBe(true);
    expect((await call('GET', '/api/auth/me', { token })).status).toBe(401);
    expect((await call('POST', '/api/auth/login', { body: { email, password: 'a-long-password' } })).status).toBe(401);
  });

  it('never lets the last enabled admin be demoted or disabled', async () => {
    const me = (await call('GET', '/api/auth/me', { token: tokens.admin })).body;
    const others: Array<{ id: string }> = await t.dataSource.query(`SELECT id FROM app_user WHERE role = 'admin' AND NOT disabled AND id <> $1`, [me.id]);
    await t.dataSource.query(`UPDATE app_user SET disabled = true WHERE id = ANY($1::uuid[])`, [others.map((r) => r.id)]);
    try {
      expect(await call('PATCH', `/api/users/${me.id}`, { token: tokens.admin, body: { role: 'agent' } })).toMatchObject({ status: 409 });
      expect(await call('PATCH', `/api/users/${me.id}`, { token: tokens.admin, body: { disabled: true } })).toMatchObject({ status: 409 });
      expect((await call('GET', '/api/auth/me', { token: tokens.admin })).body.role).toBe('admin');
    } finally {
      await t.dataSource.query(`UPDATE app_user SET disabled = false WHERE id = ANY($1::uuid[])`, [others.map((r) => r.id)]);
    }
  });

  describe('every route', () => {
    it.each(ROUTES.map((r) => [`${r.method} ${r.path.replace(/[0-9a-f-]{36}/, ':id')}`, r] as const))('%s: 401 anonymous, 403 wrong role, allowed roles pass', async (_, route) => {
      const body = route.body?.();
      expect(await call(route.method, route.path, { body })).toMatchObject({ status: 401, body: { code: 'UNAUTHENTICATED' } });
      expect(await call(route.method, route.path, { body, headers: { authorization: 'Bearer not-a-real-token-at-all' } })).toMatchObject({ status: 401 });
      for (const role of ['agent', 'admin'] as const) {
        const res = await call(route.method, route.path, { token: tokens[role], body: route.body?.() });
        if (route.roles.includes(role)) expect([401, 403]).not.toContain(res.status);
        else expect(res).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
      }
    });

    it('covers every /api route the server documents: none is open to the anonymous', async () => {
      const doc = (await (await fetch(`${t.url}/docs-json`)).json()) as { paths: Record<string, Record<string, unknown>> };
      const open: string[] = [];
      for (const [path, methods] of Object.entries(doc.paths)) {
        if (!path.startsWith('/api/')) continue;
        for (const method of Object.keys(methods).map((m) => m.toUpperCase())) {
          if (PUBLIC.has(`${method} ${path}`)) continue;
          const concrete = path.replace(/\{[^}]+\}/g, randomUUID());
          const res = await call(method, concrete, { body: method === 'GET' || method === 'DELETE' ? undefined : {} });
          if (res.status !== 401) open.push(`${method} ${path} → ${res.status}`);
        }
      }
      expect(open).toEqual([]);
    });
  });
});
