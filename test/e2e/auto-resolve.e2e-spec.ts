import type { ConversationStatusEvent, HandoffView } from '@app/contracts';
import { AUTO_RESOLVED_TEXT, AutoResolver, HandoffService } from '@app/conversation';
import { ask, bootTestApp, callApi, makePgliteDir, removeDir, request, requestOk, signIn, startConversation, TestApp, TestDatabase, truncateChat, waitForEvent, WidgetSocket } from '@app/testing';

/**
 * Auto-resolve on the real app (PGlite and PostgreSQL): conversations nobody wrote in for
 * CONVERSATION_AUTO_RESOLVE_HOURS are resolved, once, whoever has them, with the widget told and an audit entry
 * without an actor; active ones, and one written in while the check runs, stay open.
 */
jest.setTimeout(180_000);

describe.each<[TestDatabase]>([['pglite'], ['postgres']])('auto-resolve on %s', (kind) => {
  let t: TestApp;
  let dir: string | undefined;
  const open: WidgetSocket[] = [];

  beforeAll(async () => {
    dir = kind === 'pglite' ? makePgliteDir() : undefined;
    t = await bootTestApp({ kind, pgliteDir: dir }, { CONVERSATION_AUTO_RESOLVE_HOURS: '24' });
  });

  // Other suites share the PostgreSQL test database: only this test's conversations.
  beforeEach(() => truncateChat(t.dataSource));

  afterAll(async () => {
    for (const s of open.splice(0)) s.disconnect();
    await t?.close();
    if (dir) removeDir(dir);
  });

  const widget = async () => {
    const started = await startConversation(t.url);
    open.push(started.socket);
    return { socket: started.socket, id: started.conversation.conversationId };
  };
  const age = (id: string, hours: number) => t.dataSource.query(`UPDATE conversation SET updated_at = now() - make_interval(hours => $2) WHERE id = $1`, [id, hours]);
  const statusOf = async (id: string) => (await t.dataSource.query(`SELECT status FROM conversation WHERE id = $1`, [id]))[0].status;

  it('resolves the conversations idle longer than the setting, whoever has them, once; the others stay open', async () => {
    const waiting = await widget();
    await requestOk(waiting.socket, 'handoff:request', {});
    const held = await widget();
    await ask(held.socket, 'where is my order 12345');
    const agent = await signIn(t, 'agent');
    expect((await callApi(t.url, 'POST', `/api/conversations/${held.id}/take`, agent.token)).status).toBe(200);
    const active = await widget();
    await ask(active.socket, 'what payment methods do you accept');
    const young = await widget();
    await ask(young.socket, 'hello');
    await t.drainTurns();
    await age(waiting.id, 30);
    await age(held.id, 25);
    await age(young.id, 23);

    const told = waitForEvent(waiting.socket, 'conversation:status', { timeout: 10_000 });
    expect(await t.app.get(AutoResolver).tick()).toBe(2);
    const event = (await told) as ConversationStatusEvent;
    expect(event).toMatchObject({ conversationId: waiting.id, status: 'closed', message: { author: 'system', text: AUTO_RESOLVED_TEXT } });
    // Nobody is asked to rate a person who forgot the conversation.
    expect(event.message!.suggestions).toBeUndefined();
    expect(await statusOf(waiting.id)).toBe('closed');
    expect(await statusOf(held.id)).toBe('closed');
    expect(await statusOf(active.id)).toBe('bot');
    expect(await statusOf(young.id)).toBe('bot');
    expect((await callApi<HandoffView[]>(t.url, 'GET', '/api/handoffs', agent.token)).body.map((h) => h.conversationId)).toEqual([]);
    const audit = await t.dataSource.query(
      `SELECT actor_id, target_id, reason FROM audit_log WHERE action = 'conversation.resolve' AND target_id = ANY($1) ORDER BY target_id`,
      [[waiting.id, held.id, active.id, young.id]],
    );
    expect(audit).toEqual(
      [waiting.id, held.id].sort().map((id) => ({ actor_id: null, target_id: id, reason: 'auto-resolve: no message for CONVERSATION_AUTO_RESOLVE_HOURS' })),
    );
    // The widget's next message is refused there (the widget then starts a new conversation), and a second check
    // finds nothing more to do.
    expect(await request(waiting.socket, 'message:send', { clientMessageId: crypto.randomUUID(), text: 'still there?' })).toMatchObject({ ok: false, error: { code: 'CONVERSATION_CLOSED' } });
    expect(await t.app.get(AutoResolver).tick()).toBe(0);
  });

  it('keeps a conversation open when its customer wrote after the check found it idle', async () => {
    const { socket, id } = await widget();
    await ask(socket, 'hello');
    await t.drainTurns();
    await age(id, 48);
    const idleSince = new Date(Date.now() - 24 * 3_600_000);
    // The check's list is taken, then the customer writes, then its turn comes to this conversation.
    await ask(socket, 'are you there?');
    await t.drainTurns();
    expect(await t.app.get(HandoffService).resolveIdle(id, idleSince)).toBe(false);
    expect(await statusOf(id)).toBe('bot');
  });
});
