import { bootTestApp, callApi, ensureUser, login, makePgliteDir, removeDir, signIn, TestApp, TestDatabase } from '@app/testing';

/**
 * Canned responses over REST on the real app (PGlite and PostgreSQL): an admin keeps them, an agent searches them by
 * short code or words and gets each filled in for themselves; typed errors for a bad or taken short code; JSON and
 * CSV import (all or nothing) and export.
 */
jest.setTimeout(180_000);

const PATH = '/api/content/canned-responses';

describe.each<[TestDatabase]>([['pglite'], ['postgres']])('canned responses on %s', (kind) => {
  let t: TestApp;
  let dir: string | undefined;
  let admin: string;
  let agent: string;

  beforeAll(async () => {
    dir = kind === 'pglite' ? makePgliteDir() : undefined;
    t = await bootTestApp({ kind, pgliteDir: dir });
    admin = (await signIn(t, 'admin')).token;
    await ensureUser(t, { email: 'sam-canned@parley.test', role: 'agent', name: 'Sam Agent' });
    agent = (await login(t.url, 'sam-canned@parley.test')).token;
  });

  beforeEach(async () => {
    await t.dataSource.query(`DELETE FROM "canned_response"`);
  });

  afterAll(async () => {
    await t?.close();
    if (dir) removeDir(dir);
  });

  it('lets an admin keep them and an agent find one by short code or words, filled in for that agent', async () => {
    const refund = await callApi(t.url, 'POST', PATH, admin, { short_code: '/Refund', title: 'Refund timing', text: 'Refunds take 5 to 10 business days. — {{agent.name}}, {{company.name}}' });
    expect(refund.status).toBe(201);
    expect(refund.body).toMatchObject({ short_code: 'refund', title: 'Refund timing' });
    for (const [code, text] of [
      ['refund-partial', 'A partial refund covers the items you sent back.'],
      ['shipping', 'Standard shipping takes 3 days; a refund of the shipping fee is not possible.'],
      ['hello', 'Hi, I am {{agent.name}}. How can I help?'],
    ]) {
      expect((await callApi(t.url, 'POST', PATH, admin, { short_code: code, text })).status).toBe(201);
    }

    // The exact short code first, then short codes that start with it, then a title or text that mentions it.
    const found = await callApi(t.url, 'GET', `${PATH}?q=REFUND`, agent);
    expect(found.status).toBe(200);
    expect(found.body.total).toBe(3);
    expect(found.body.items.map((r: { short_code: string }) => r.short_code)).toEqual(['refund', 'refund-partial', 'shipping']);
    expect(found.body.items[0].rendered).toBe(`Refunds take 5 to 10 business days. — Sam Agent, ${(await companyName())}`);
    // LIKE wildcards are matched as themselves.
    expect((await callApi(t.url, 'GET', `${PATH}?q=${encodeURIComponent('%')}`, agent)).body.total).toBe(0);
    const all = await callApi(t.url, 'GET', `${PATH}?limit=2&offset=1`, agent);
    expect(all.body).toMatchObject({ total: 4 });
    expect(all.body.items.map((r: { short_code: string }) => r.short_code)).toEqual(['refund', 'refund-partial']);

    const id = refund.body.id as string;
    const edited = await callApi(t.url, 'PATCH', `${PATH}/${id}`, admin, { text: 'Refunds take up to 10 business days.' });
    expect(edited.body).toMatchObject({ id, short_code: 'refund', title: 'Refund timing', text: 'Refunds take up to 10 business days.' });
    expect((await callApi(t.url, 'GET', `${PATH}/${id}`, agent)).body.text).toBe('Refunds take up to 10 business days.');
    // Agents use them; only admins change them.
    expect((await callApi(t.url, 'PATCH', `${PATH}/${id}`, agent, { text: 'mine now' })).status).toBe(403);
    expect((await callApi(t.url, 'DELETE', `${PATH}/${id}`, admin)).status).toBe(204);
    expect(await callApi(t.url, 'GET', `${PATH}/${id}`, agent)).toMatchObject({ status: 404, body: { code: 'CONTENT_NOT_FOUND' } });
  });

  it('refuses a bad record with every field named, and a taken short code with 409, also on rename', async () => {
    const bad = await callApi(t.url, 'POST', PATH, admin, { short_code: 'two words', text: 'Your order {{order_id}} is on its way.' });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('CONTENT_INVALID');
    expect(bad.body.rows.map((r: { field: string }) => r.field)).toEqual(['short_code', 'text']);
    const long = await callApi(t.url, 'POST', PATH, admin, { short_code: 'long', text: 'x'.repeat(2001) });
    expect(long.body.rows).toEqual([{ row: 1, field: 'text', message: 'is longer than 2000 characters' }]);
    expect((await callApi(t.url, 'POST', PATH, admin, { short_code: 'bye', text: 'Bye!', evil: true })).status).toBe(400);
    // No text column can hold a NUL: a typed 400, not a 500.
    expect(await callApi(t.url, 'POST', PATH, admin, { short_code: 'nul', text: 'a\u0000b' })).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });

    expect((await callApi(t.url, 'POST', PATH, admin, { short_code: 'bye', text: 'Bye!' })).status).toBe(201);
    expect(await callApi(t.url, 'POST', PATH, admin, { short_code: 'BYE', text: 'Goodbye!' })).toMatchObject({ status: 409, body: { code: 'CONTENT_CONFLICT' } });
    const other = await callApi(t.url, 'POST', PATH, admin, { short_code: 'thanks', text: 'Thank you!' });
    expect(await callApi(t.url, 'PATCH', `${PATH}/${other.body.id}`, admin, { short_code: 'bye' })).toMatchObject({ status: 409, body: { code: 'CONTENT_CONFLICT' } });
    expect((await callApi(t.url, 'GET', `${PATH}/${other.body.id}`, admin)).body.short_code).toBe('thanks');
    expect((await callApi(t.url, 'PATCH', `${PATH}/not-a-uuid`, admin, { text: 'x' })).status).toBe(404);
  });

  it('exports as CSV and imports it back; an import with a taken or repeated short code writes nothing', async () => {
    await callApi(t.url, 'POST', PATH, admin, { short_code: 'hours', title: 'Opening hours', text: 'We answer "every day", 9–5, =1+1' });
    const res = await fetch(`${t.url}${PATH}/export?format=csv`, { headers: { authorization: `Bearer ${agent}` } });
    expect(res.headers.get('content-type')).toContain('text/csv');
    const csv = await res.text();
    expect(csv.split('\r\n')[0]).toBe('short_code,title,text');

    const repeated = await callApi(t.url, 'POST', `${PATH}/import`, admin, { format: 'json', data: [{ short_code: 'a', text: 'A' }, { short_code: 'a', text: 'B' }, { short_code: 'hours', text: 'C' }] });
    expect(repeated.status).toBe(400);
    expect(repeated.body.rows).toEqual([
      { row: 2, field: 'short_code', message: 'duplicates row 1' },
      { row: 3, field: 'short_code', message: 'short code "hours" already exists' },
    ]);
    expect((await callApi(t.url, 'GET', PATH, admin)).body.total).toBe(1);

    await t.dataSource.query(`DELETE FROM "canned_response"`);
    const imported = await callApi(t.url, 'POST', `${PATH}/import`, admin, { format: 'csv', data: csv });
    expect(imported).toMatchObject({ status: 201, body: { imported: 1 } });
    const [row] = (await callApi(t.url, 'GET', PATH, admin)).body.items;
    expect(row).toMatchObject({ short_code: 'hours', title: 'Opening hours', text: 'We answer "every day", 9–5, =1+1' });
  });

  async function companyName(): Promise<string> {
    const { COMPANY_PROFILE } = await import('@app/answers');
    return (t.app.get(COMPANY_PROFILE) as Record<string, string>).name;
  }
});
