import { bearer, bootTestApp, makePgliteDir, removeDir, signIn, TestApp } from '@app/testing';

/**
 * Content REST end to end on the real AppModule (PGlite, real model, seeded default content): CRUD, typed errors,
 * JSON/CSV export → import round trip, per-row import errors.
 */
jest.setTimeout(180_000);

describe('content REST (PGlite)', () => {
  let t: TestApp;
  let dir: string;
  // Content REST needs a role (read: agent or admin, write: admin); test/e2e/roles.e2e-spec.ts covers the refusals.
  let auth: Record<string, string>;

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${t.url}${path}`, {
      method,
      headers: body === undefined ? auth : { ...auth, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    const json = res.headers.get('content-type')?.includes('application/json') && text ? JSON.parse(text) : text;
    return { status: res.status, body: json, type: res.headers.get('content-type') ?? '' };
  };

  beforeAll(async () => {
    dir = makePgliteDir();
    t = await bootTestApp({ kind: 'pglite', pgliteDir: dir });
    auth = bearer((await signIn(t, 'admin')).token);
  });

  afterAll(async () => {
    await t?.close();
    removeDir(dir);
  });

  it('lists the seeded default templates and articles', async () => {
    const templates = await call('GET', '/api/content/templates?limit=100');
    expect(templates.status).toBe(200);
    // The 27 Bitext intents and the six small-talk ones written for Parley (greet … affirm, deny).
    expect(templates.body.total).toBe(33);
    expect(templates.body.items.filter((x: { source: string }) => x.source === 'parley').map((x: { intent: string }) => x.intent).sort()).toEqual(['affirm', 'bot_challenge', 'deny', 'goodbye', 'greet', 'thank_you']);
    const track = templates.body.items.find((x: { intent: string }) => x.intent === 'track_order');
    expect(track).toMatchObject({ required_entities: ['order_id'], source: 'bitext', enabled: true });
    const greet = templates.body.items.find((x: { intent: string }) => x.intent === 'greet');
    expect(greet).toMatchObject({ required_entities: [], source: 'parley', enabled: true });
    const articles = await call('GET', '/api/content/articles?intent=recover_password');
    expect(articles.body.items.length).toBeGreaterThanOrEqual(2);
  });

  it('creates, reads, updates and deletes a template, with typed errors', async () => {
    const bad = await call('POST', '/api/content/templates', { intent: 'bad intent!', variants: [] });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('CONTENT_INVALID');
    expect(bad.body.rows.map((r: { field: string }) => r.field)).toEqual(['intent', 'variants']);

    const unknownField = await call('POST', '/api/content/templates', { intent: 'x', variants: ['y'], evil: true });
    expect(unknownField.status).toBe(400);

    const created = await call('POST', '/api/content/templates', { intent: 'gift_wrap', variants: ['We gift-wrap for {{company.name}}.'] });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ intent: 'gift_wrap', name: 'gift_wrap', source: 'user', enabled: true });
    const id = created.body.id as string;

    const patched = await call('PATCH', `/api/content/templates/${id}`, { enabled: false });
    expect(patched.body).toMatchObject({ id, enabled: false, variants: ['We gift-wrap for {{company.name}}.'] });
    expect((await call('DELETE', `/api/content/templates/${id}`)).status).toBe(204);
    const gone = await call('GET', `/api/content/templates/${id}`);
    expect(gone).toMatchObject({ status: 404, body: { code: 'CONTENT_NOT_FOUND' } });
    expect((await call('GET', '/api/content/templates/not-a-uuid')).status).toBe(404);
  });

  it('rejects a duplicate article slug with 409', async () => {
    const body = { slug: 'gift-wrapping', title: 'Gift wrapping', body: 'We gift-wrap any order.', questions: ['can you gift wrap?'] };
    expect((await call('POST', '/api/content/articles', body)).status).toBe(201);
    const again = await call('POST', '/api/content/articles', body);
    expect(again).toMatchObject({ status: 409, body: { code: 'CONTENT_CONFLICT' } });
  });

  it('exports templates as CSV and imports them back; reports bad CSV rows by number and writes nothing', async () => {
    const csv = await call('GET', '/api/content/templates/export?format=csv');
    expect(csv.type).toContain('text/csv');
    expect(csv.body.split('\r\n')[0]).toBe('id,intent,name,variants,required_entities,prompts,enabled,webhook,source');
    const before = (await call('GET', '/api/content/templates')).body.total as number;
    const imported = await call('POST', '/api/content/templates/import', { format: 'csv', data: csv.body });
    expect(imported).toMatchObject({ status: 201, body: { imported: before } });

    const broken = 'intent,variants\r\nok_intent,"[""fine""]"\r\nbad intent,"[""x""]"\r\nempty_variants,\r\n';
    const res = await call('POST', '/api/content/templates/import', { format: 'csv', data: broken });
    expect(res.status).toBe(400);
    expect(res.body.rows.map((r: { row: number; field: string }) => [r.row, r.field])).toEqual([
      [2, 'intent'],
      [3, 'variants'],
    ]);
    expect((await call('GET', '/api/content/templates')).body.total).toBe(before * 2);
  });

  it('imports articles from JSON and exports them without embeddings', async () => {
    const res = await call('POST', '/api/content/articles/import', {
      format: 'json',
      data: [{ slug: 'store-hours', title: 'Store opening hours', body: 'Our stores open 9 to 5.', questions: ['when do you open?'] }],
    });
    expect(res).toMatchObject({ status: 201, body: { imported: 1 } });
    const exported = await call('GET', '/api/content/articles/export?format=json');
    const row = exported.body.find((a: { slug: string }) => a.slug === 'store-hours');
    expect(row).toMatchObject({ title: 'Store opening hours', source: 'import' });
    expect(row.embedding).toBeUndefined();
    const notJson = await call('POST', '/api/content/articles/import', { format: 'json', data: '{not json' });
    expect(notJson).toMatchObject({ status: 400, body: { code: 'CONTENT_INVALID' } });
  });
});
