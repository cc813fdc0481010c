import { createHash, randomUUID } from 'node:crypto';
import type { ApiTokenCreated, ApiTokenView } from '@app/contracts';
import {
  bootTestApp,
  callApi,
  connectAgent,
  ensureUser,
  login,
  makePgliteDir,
  removeDir,
  signIn,
  TestApp,
  TestDatabase,
} from '@app/testing';

/**
 * Personal API tokens on the real app (PGlite and PostgreSQL): a user makes one from a signed-in session and a script
 * uses it like a sign-in token, REST and sockets, with the user's role as it is now, until it expires, is revoked, the
 * user is disabled, or the script signs out with it. Only its sha256 is stored.
 */
jest.setTimeout(180_000);

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

describe.each<[TestDatabase]>([['pglite'], ['postgres']])('API tokens on %s', (kind) => {
  let t: TestApp;
  let dir: string | undefined;
  let admin: string;

  beforeAll(async () => {
    dir = kind === 'pglite' ? makePgliteDir() : undefined;
    t = await bootTestApp({ kind, pgliteDir: dir });
    admin = (await signIn(t, 'admin')).token;
  });

  afterAll(async () => {
    await t?.close();
    if (dir) removeDir(dir);
  });

  // Each run's users are its own, so a database a run before it left is no matter.
  const run = randomUUID().slice(0, 8);
  const agentSession = async (name: string) => {
    const email = `${name}-${run}@parley.test`;
    const user = await ensureUser(t, { email, role: 'agent', name: 'Script Owner' });
    return { user, session: (await login(t.url, email)).token };
  };

  it('makes a token shown once, which then works like a sign-in with the owner role, over REST and the agent socket', async () => {
    const { user, session } = await agentSession('pat-owner');
    const made = await callApi<ApiTokenCreated>(t.url, 'POST', '/api/auth/tokens', session, {
      name: 'nightly export',
    });
    expect(made.status).toBe(201);
    const pat = made.body.token;
    expect(pat).toMatch(/^pat_[A-Za-z0-9_-]{43}$/);
    expect(made.body).toMatchObject({
      name: 'nightly export',
      prefix: pat.slice(0, 12),
      expiresAt: null,
      lastUsedAt: null,
    });
    const [stored] = await t.dataSource.query(`SELECT token_hash, prefix FROM api_token WHERE id = $1`, [
      made.body.id,
    ]);
    expect(stored).toEqual({ token_hash: sha256(pat), prefix: pat.slice(0, 12) });

    expect(await callApi(t.url, 'GET', '/api/auth/me', pat)).toMatchObject({
      status: 200,
      body: { id: user.id, role: 'agent' },
    });
    expect((await callApi(t.url, 'GET', '/api/handoffs', pat)).status).toBe(200);
    expect((await callApi(t.url, 'GET', '/api/analytics/summary', pat)).status).toBe(403);
    const socket = await connectAgent(t.url, pat);
    socket.disconnect();

    const listed = await callApi<ApiTokenView[]>(t.url, 'GET', '/api/auth/tokens', session);
    expect(listed.body).toEqual([
      expect.objectContaining({ id: made.body.id, prefix: pat.slice(0, 12), lastUsedAt: expect.any(String) }),
    ]);
    expect(JSON.stringify(listed.body)).not.toContain(pat);
    // Admins see everyone else's live tokens with their owner (to revoke one left behind); nobody else does.
    const others = await callApi<ApiTokenView[]>(t.url, 'GET', '/api/auth/tokens/others', admin);
    expect(others.body).toContainEqual(expect.objectContaining({ id: made.body.id, prefix: pat.slice(0, 12), owner: { id: user.id, email: user.email, name: 'Script Owner' } }));
    expect(JSON.stringify(others.body)).not.toContain(pat);
    expect(await callApi(t.url, 'GET', '/api/auth/tokens/others', session)).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
    // Not from another token: a leaked one cannot mint its successors.
    expect(await callApi(t.url, 'POST', '/api/auth/tokens', pat, { name: 'child' })).toMatchObject({
      status: 403,
      body: { code: 'FORBIDDEN' },
    });
    const audit = await t.dataSource.query(
      `SELECT action, after FROM audit_log WHERE target_type = 'api_token' AND target_id = $1`,
      [made.body.id],
    );
    expect(audit).toEqual([
      {
        action: 'api_token.create',
        after: { name: 'nightly export', prefix: pat.slice(0, 12), expiresAt: null },
      },
    ]);
    expect(JSON.stringify(audit)).not.toContain(pat);

    // The role is the user's as it is now: promoted, the same token reaches admin routes; disabled, nothing.
    expect((await callApi(t.url, 'PATCH', `/api/users/${user.id}`, admin, { role: 'admin' })).status).toBe(
      200,
    );
    expect((await callApi(t.url, 'GET', '/api/analytics/summary', pat)).status).toBe(200);
    expect((await callApi(t.url, 'PATCH', `/api/users/${user.id}`, admin, { disabled: true })).status).toBe(
      200,
    );
    expect(await callApi(t.url, 'GET', '/api/auth/me', pat)).toMatchObject({
      status: 401,
      body: { code: 'UNAUTHENTICATED' },
    });
    await callApi(t.url, 'PATCH', `/api/users/${user.id}`, admin, { disabled: false, role: 'agent' });
    expect((await callApi(t.url, 'GET', '/api/auth/me', pat)).status).toBe(200);
  });

  it('ends with its expiry, with a revocation (the owner or an admin, nobody else), or when a script signs out with it', async () => {
    const { session } = await agentSession('pat-ends');
    const other = await agentSession('pat-other');
    const make = async (body: object) =>
      (await callApi<ApiTokenCreated>(t.url, 'POST', '/api/auth/tokens', session, body)).body;

    const expiring = await make({ name: 'short', expiresInDays: 1 });
    expect(Date.parse(expiring.expiresAt!) - Date.now()).toBeGreaterThan(86_000_000);
    expect((await callApi(t.url, 'GET', '/api/auth/me', expiring.token)).status).toBe(200);
    await t.dataSource.query(`UPDATE api_token SET expires_at = now() - interval '1 second' WHERE id = $1`, [
      expiring.id,
    ]);
    expect((await callApi(t.url, 'GET', '/api/auth/me', expiring.token)).status).toBe(401);

    const revoked = await make({ name: 'to revoke' });
    expect(await callApi(t.url, 'DELETE', `/api/auth/tokens/${revoked.id}`, other.session)).toMatchObject({
      status: 404,
      body: { code: 'API_TOKEN_NOT_FOUND' },
    });
    expect((await callApi(t.url, 'GET', '/api/auth/me', revoked.token)).status).toBe(200);
    expect((await callApi(t.url, 'DELETE', `/api/auth/tokens/${revoked.id}`, session)).status).toBe(204);
    expect((await callApi(t.url, 'GET', '/api/auth/me', revoked.token)).status).toBe(401);
    expect((await callApi(t.url, 'DELETE', `/api/auth/tokens/${revoked.id}`, session)).status).toBe(404);

    const leaked = await make({ name: 'leaked' });
    expect((await callApi(t.url, 'DELETE', `/api/auth/tokens/${leaked.id}`, admin)).status).toBe(204);
    expect((await callApi(t.url, 'GET', '/api/auth/me', leaked.token)).status).toBe(401);

    const script = await make({ name: 'signs out' });
    expect((await callApi(t.url, 'POST', '/api/auth/logout', script.token)).status).toBe(204);
    expect((await callApi(t.url, 'GET', '/api/auth/me', script.token)).status).toBe(401);
    // The session that made them is untouched.
    expect((await callApi(t.url, 'GET', '/api/auth/me', session)).status).toBe(200);
    expect(
      (await callApi<ApiTokenView[]>(t.url, 'GET', '/api/auth/tokens', session)).body.map((x) => x.name),
    ).toEqual(['short']);
  });

  it('refuses a bad request with a typed error, and a 21st live token', async () => {
    const { session } = await agentSession('pat-limits');
    for (const body of [
      {},
      { name: '' },
      { name: 'x'.repeat(101) },
      { name: 'ok', expiresInDays: 0 },
      { name: 'ok', expiresInDays: 3651 },
      { name: 'ok', scope: 'all' },
    ]) {
      expect(await callApi(t.url, 'POST', '/api/auth/tokens', session, body)).toMatchObject({
        status: 400,
        body: { code: 'VALIDATION_FAILED' },
      });
    }
    for (let i = 0; i < 20; i++)
      expect((await callApi(t.url, 'POST', '/api/auth/tokens', session, { name: `t${i}` })).status).toBe(201);
    expect(await callApi(t.url, 'POST', '/api/auth/tokens', session, { name: 't20' })).toMatchObject({
      status: 409,
      body: { code: 'API_TOKEN_LIMIT' },
    });
    expect((await callApi(t.url, 'GET', '/api/auth/me', 'pat_' + 'x'.repeat(43))).status).toBe(401);
  });
});
