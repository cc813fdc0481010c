import type { AnalyticsSummary } from '@app/contracts';
import { NluService } from '@app/nlu';
import { ask, bootTestApp, callApi, makePgliteDir, removeDir, requestOk, signIn, startConversation, TestApp, TestDatabase, truncateChat, WidgetSocket } from '@app/testing';

/**
 * The admin's analytics on the real app and model (PGlite and PostgreSQL): conversations held over the widget are
 * counted as the bot answered them: containment, answered and fallback replies, feedback, the review queue, per
 * intent, per model version and per day.
 */
jest.setTimeout(240_000);

describe.each<[TestDatabase]>([['pglite'], ['postgres']])('analytics on %s', (kind) => {
  let t: TestApp;
  let dir: string | undefined;
  let admin: string;
  const open: WidgetSocket[] = [];

  const start = async () => {
    const started = await startConversation(t.url);
    open.push(started.socket);
    return started.socket;
  };

  beforeAll(async () => {
    dir = kind === 'pglite' ? makePgliteDir() : undefined;
    t = await bootTestApp({ kind, pgliteDir: dir });
    admin = (await signIn(t, 'admin')).token;
  });

  beforeEach(async () => {
    await t.drainTurns();
    await truncateChat(t.dataSource);
  });

  afterAll(async () => {
    for (const s of open.splice(0)) s.disconnect();
    await t?.close();
    if (dir) removeDir(dir);
  });

  it('counts what the bot answered, what fell back, who was handed to a person and what customers thought', async () => {
    const a = await start();
    const answered = await ask(a, 'where is my order 12345');
    expect(answered).toMatchObject({ route: 'template', intent: 'track_order' });
    expect(await ask(a, 'play some jazz music')).toMatchObject({ route: 'fallback', intent: 'out_of_scope' });
    await requestOk(a, 'feedback:send', { messageId: answered.messageId, rating: 'down' });

    const b = await start();
    expect((await ask(b, 'can I talk to a real person please')).intent).toBe('contact_human_agent');
    // A conversation in which the customer wrote nothing is not counted.
    await start();
    await t.drainTurns();
    // Resolving the handed-off one keeps it counted: only imported transcripts (also stored closed) are left out.
    const [{ id: handedOff }] = await t.dataSource.query(`SELECT conversation_id AS id FROM message WHERE intent = 'contact_human_agent' LIMIT 1`);
    expect((await callApi(t.url, 'POST', `/api/conversations/${handedOff}/resolve`, admin)).status).toBe(200);
    await t.dataSource.query(
      `INSERT INTO conversation (token_hash, status, last_seq, last_customer_seq, metadata) VALUES ('imported-x', 'closed', 1, 1, '{"source":"transcript_import"}')`,
    );

    const res = await callApi<AnalyticsSummary>(t.url, 'GET', '/api/analytics/summary?days=7', admin);
    expect(res.status).toBe(200);
    const s = res.body;
    expect(s.conversations).toEqual({ started: 2, handedOff: 1, containmentRate: 0.5 });
    expect(s.replies).toEqual({
      turns: 3,
      answered: 2,
      fallback: 1,
      thumbsDown: 1,
      byRoute: { template: 2, slot_prompt: 0, retrieval: 0, fallback: 1 },
      answeredRate: 0.6667,
      fallbackRate: 0.3333,
    });
    expect(s.feedback).toEqual({ up: 0, down: 1, satisfaction: 0 });
    expect(s.csat).toEqual({ responses: 0, average: null, satisfiedRate: null, byAgent: [] });
    // The fallback and the thumbs down each queued their reply for review.
    expect(s.reviewPending).toBe(2);
    expect(s.intents).toEqual(
      expect.arrayContaining([
        { intent: 'track_order', turns: 1, answered: 1, fallback: 0, thumbsDown: 1 },
        { intent: 'out_of_scope', turns: 1, answered: 0, fallback: 1, thumbsDown: 0 },
        { intent: 'contact_human_agent', turns: 1, answered: 1, fallback: 0, thumbsDown: 0 },
      ]),
    );
    expect(s.models).toEqual([{ version: t.app.get(NluService).modelInfo!.version, firstSeen: expect.any(String), turns: 3, answered: 2, fallback: 1, thumbsDown: 1 }]);
    expect(s.daily).toHaveLength(7);
    expect(s.daily.at(-1)).toEqual({ date: new Date().toISOString().slice(0, 10), conversations: 2, turns: 3, fallback: 1 });
    expect(s.daily.slice(0, -1).every((d) => d.turns === 0)).toBe(true);
  });

  it('is for admins only, and refuses a bad period with a typed error', async () => {
    expect(await callApi(t.url, 'GET', '/api/analytics/summary?days=0', admin)).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
    expect(await callApi(t.url, 'GET', '/api/analytics/summary?days=abc', admin)).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
    expect(await callApi(t.url, 'GET', '/api/analytics/summary?days=91', admin)).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
    const agent = (await signIn(t, 'agent')).token;
    expect(await callApi(t.url, 'GET', '/api/analytics/summary', agent)).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
    expect((await fetch(`${t.url}/api/analytics/summary`)).status).toBe(401);
    const empty = await callApi<AnalyticsSummary>(t.url, 'GET', '/api/analytics/summary?days=1', admin);
    expect(empty.body).toMatchObject({ days: 1, conversations: { started: 0, containmentRate: null }, replies: { turns: 0, answeredRate: null } });
  });
});
