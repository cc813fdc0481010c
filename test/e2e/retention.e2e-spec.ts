import { RetentionJob } from '@app/conversation';
import { ask, bootTestApp, callApi, makePgliteDir, removeDir, signIn, startConversation, TestApp, TestDatabase, truncateChat, WidgetSocket } from '@app/testing';

/**
 * Retention on the real app (PGlite and PostgreSQL): resolved conversations with no activity for
 * CONVERSATION_RETENTION_DAYS are erased with their messages and the training examples labelled from them, audited
 * without an actor; open ones, recent ones and imported transcripts are kept.
 */
jest.setTimeout(180_000);

describe.each<[TestDatabase]>([['pglite'], ['postgres']])('retention on %s', (kind) => {
  let t: TestApp;
  let dir: string | undefined;
  const open: WidgetSocket[] = [];

  beforeAll(async () => {
    dir = kind === 'pglite' ? makePgliteDir() : undefined;
    t = await bootTestApp({ kind, pgliteDir: dir }, { CONVERSATION_RETENTION_DAYS: '30' });
  });

  // Other suites share the PostgreSQL test database: only this test's conversations.
  beforeEach(() => truncateChat(t.dataSource));

  afterAll(async () => {
    for (const s of open.splice(0)) s.disconnect();
    await t?.close();
    if (dir) removeDir(dir);
  });

  const conversation = async (text: string) => {
    const started = await startConversation(t.url);
    open.push(started.socket);
    await ask(started.socket, text);
    return { socket: started.socket, id: started.conversation.conversationId };
  };
  const ageDays = (id: string, days: number) => t.dataSource.query(`UPDATE conversation SET updated_at = now() - make_interval(days => $2) WHERE id = $1`, [id, days]);
  const exists = async (id: string) => (await t.dataSource.query(`SELECT count(*)::int AS n FROM conversation WHERE id = $1`, [id]))[0].n === 1;

  it('erases the resolved conversations idle past the setting with their messages and training examples; keeps the rest', async () => {
    const agent = await signIn(t, 'agent');
    const resolve = async (id: string) => expect((await callApi(t.url, 'POST', `/api/conversations/${id}/resolve`, agent.token)).status).toBe(200);
    const old = await conversation('where is my order 12345');
    await resolve(old.id);
    // A turn of the old conversation was labelled in review: the training example copies the customer's words.
    const [message] = await t.dataSource.query(`SELECT id FROM message WHERE conversation_id = $1 AND author = 'customer'`, [old.id]);
    await t.dataSource.query(`INSERT INTO training_example (text, intent, entities, source, message_id, conversation_id) VALUES ('where is my order 12345', 'track_order', '[]', 'review', $1, $2)`, [message.id, old.id]);
    const recent = await conversation('what payment methods do you accept');
    await resolve(recent.id);
    const stillOpen = await conversation('hello');
    const imported = (await t.dataSource.query(`INSERT INTO conversation (token_hash, status, last_seq, metadata) VALUES ('imported-r', 'closed', 0, '{"source":"transcript_import"}') RETURNING id`))[0].id;
    await t.drainTurns();
    await ageDays(old.id, 31);
    await ageDays(recent.id, 29);
    await ageDays(stillOpen.id, 90);
    await ageDays(imported, 400);

    expect(await t.app.get(RetentionJob).tick()).toBe(1);
    expect(await exists(old.id)).toBe(false);
    expect((await t.dataSource.query(`SELECT count(*)::int AS n FROM message WHERE conversation_id = $1`, [old.id]))[0].n).toBe(0);
    expect((await t.dataSource.query(`SELECT count(*)::int AS n FROM training_example WHERE conversation_id = $1`, [old.id]))[0].n).toBe(0);
    for (const id of [recent.id, stillOpen.id, imported]) expect(await exists(id)).toBe(true);
    const audit = await t.dataSource.query(`SELECT actor_id, reason, after FROM audit_log WHERE action = 'conversation.delete' AND target_id = $1`, [old.id]);
    expect(audit).toEqual([{ actor_id: null, reason: 'retention: CONVERSATION_RETENTION_DAYS', after: { trainingExamplesDeleted: 1 } }]);
    expect(await t.app.get(RetentionJob).tick()).toBe(0);
  });
});
