import { randomUUID } from 'node:crypto';
import type { Ack, AuditEntryView, ErrorBody, LoginResult, ReviewItemView, SendMessageResult } from '@app/contracts';
import {
  AgentSocket,
  ask,
  bootTestApp,
  callApi,
  connectAgent,
  makePgliteDir,
  removeDir,
  request,
  signIn,
  startConversation,
  TestApp,
  TestDatabase,
  truncateChat,
  waitForAgentEvent,
  waitForEvent,
  WidgetSocket,
} from '@app/testing';

/**
 * Erasing a conversation on request (`DELETE /api/conversations/:id`, admins only) on the real app and model,
 * PGlite and PostgreSQL: everything stored from it goes (messages, review items, the training example an agent
 * labelled from it), other conversations stay, the audit log says who and how much without the customer's words,
 * the customer's open widget is told and cannot write into it any more, and agent consoles are told.
 */
jest.setTimeout(240_000);
const TIMEOUT = { timeout: 20_000 };

describe.each<[TestDatabase]>([['pglite'], ['postgres']])('conversation erasure on %s', (kind) => {
  let t: TestApp;
  let dir: string | undefined;
  let admin: LoginResult;
  let agent: LoginResult;
  const sockets: Array<WidgetSocket | AgentSocket> = [];

  const api = <T = any>(method: string, path: string, token: string, body?: unknown) => callApi<T>(t.url, method, path, token, body);
  const widget = async () => {
    const r = await startConversation(t.url);
    sockets.push(r.socket);
    return { socket: r.socket, conversationId: r.conversation.conversationId };
  };
  const count = async (table: string, conversationId: string): Promise<number> =>
    Number((await t.dataSource.query(`SELECT count(*)::int AS n FROM "${table}" WHERE "conversation_id" = $1`, [conversationId]))[0].n);

  beforeAll(async () => {
    dir = kind === 'pglite' ? makePgliteDir() : undefined;
    // Every turn below confidence 1 is queued for review, so each conversation has review items to erase.
    t = await bootTestApp({ kind, pgliteDir: dir }, { THRESHOLD_REVIEW: '1' });
    admin = await signIn(t, 'admin');
    agent = await signIn(t, 'agent');
  });

  beforeEach(async () => {
    await t.drainTurns();
    await t.dataSource.query(`TRUNCATE "training_example"`);
    await truncateChat(t.dataSource);
  });

  afterEach(() => {
    for (const s of sockets.splice(0)) s.disconnect();
  });

  afterAll(async () => {
    await t?.close();
    if (dir) removeDir(dir);
  });

  it('deletes the conversation and what was derived from it, keeps the others, audits without text, tells the widget', async () => {
    const secret = 'my card number is 4111 and I want a refund for order 12345678';
    const gone = await widget();
    await ask(gone.socket, secret);
    await ask(gone.socket, 'how do I reset my password');
    const kept = await widget();
    await ask(kept.socket, 'I want to cancel my order');
    await t.drainTurns();

    // An agent labels a turn of the conversation to erase: a training example that copies the customer's words.
    const queue = await api<{ items: ReviewItemView[] }>('GET', '/api/review?limit=50', agent.token);
    const item = queue.body.items.find((i) => i.conversationId === gone.conversationId && i.text === secret)!;
    expect(item).toBeDefined();
    expect((await api('POST', `/api/review/${item.id}/decision`, agent.token, { action: 'confirm' })).status).toBe(200);
    expect(await count('training_example', gone.conversationId)).toBe(1);
    expect(await count('review_item', kept.conversationId)).toBeGreaterThan(0);

    // Agents read conversations; only an admin erases one.
    expect((await api('DELETE', `/api/conversations/${gone.conversationId}`, agent.token)).status).toBe(403);

    const consoleSocket = await connectAgent(t.url, agent.token);
    sockets.push(consoleSocket);
    const consoleTold = waitForAgentEvent(consoleSocket, 'conversation:deleted', TIMEOUT);
    const told = waitForEvent(gone.socket, 'error', TIMEOUT);
    const res = await api('DELETE', `/api/conversations/${gone.conversationId}?reason=${encodeURIComponent('erasure request #42')}`, admin.token);
    expect(res).toEqual({ status: 200, body: { conversationId: gone.conversationId, messages: 4, trainingExamples: 1 } });
    expect(await told).toMatchObject({ code: 'CONVERSATION_NOT_FOUND' });
    // Agent consoles drop its handoff and review rows.
    expect(await consoleTold).toEqual({ conversationId: gone.conversationId });

    for (const table of ['message', 'review_item', 'slot_state', 'feedback', 'training_example']) expect(await count(table, gone.conversationId)).toBe(0);
    expect((await api('GET', `/api/conversations/${gone.conversationId}`, admin.token)).status).toBe(404);
    // The other conversation is untouched.
    const other = await api<{ messages: unknown[] }>('GET', `/api/conversations/${kept.conversationId}`, admin.token);
    expect(other.status).toBe(200);
    expect(other.body.messages).toHaveLength(2);
    expect(await count('review_item', kept.conversationId)).toBeGreaterThan(0);

    const audit = await api<{ items: AuditEntryView[] }>('GET', `/api/audit?action=conversation.delete&targetId=${gone.conversationId}`, admin.token);
    expect(audit.body.items).toHaveLength(1);
    expect(audit.body.items[0]).toMatchObject({ actorId: admin.user.id, targetType: 'conversation', reason: 'erasure request #42', before: { messages: 4 }, after: { trainingExamplesDeleted: 1 } });
    expect(JSON.stringify(audit.body.items[0])).not.toContain('4111');

    // The customer's widget can no longer write into it, with a typed refusal, and a second erasure finds nothing.
    const late = (await request<SendMessageResult>(gone.socket, 'message:send', { clientMessageId: randomUUID(), text: 'hello?' })) as Ack<SendMessageResult>;
    expect(late.ok).toBe(false);
    expect((late as { ok: false; error: ErrorBody }).error.code).toBe('CONVERSATION_NOT_FOUND');
    expect(await api('DELETE', `/api/conversations/${gone.conversationId}`, admin.token)).toMatchObject({ status: 404, body: { code: 'CONVERSATION_NOT_FOUND' } });
  });

  it('also deletes an example linked to one of its messages but not to the conversation', async () => {
    const { conversationId, socket } = await widget();
    const reply = await ask(socket, 'I want a refund');
    // conversation_id is optional on an example; the message link alone must be enough to find it.
    await t.dataSource.query(`INSERT INTO "training_example" ("text", "intent", "entities", "source", "message_id") VALUES ($1, 'get_refund', '[]', 'review', $2)`, [
      'I want a refund',
      reply.replyTo,
    ]);
    const res = await api('DELETE', `/api/conversations/${conversationId}`, admin.token);
    expect(res).toMatchObject({ status: 200, body: { trainingExamples: 1 } });
    expect(Number((await t.dataSource.query(`SELECT count(*)::int AS n FROM "training_example"`))[0].n)).toBe(0);
  });

  it('refuses a malformed id or reason with a typed 400 and erases nothing', async () => {
    const { conversationId, socket } = await widget();
    await ask(socket, 'hello there');
    expect((await api('DELETE', '/api/conversations/not-a-uuid', admin.token)).status).toBe(400);
    const long = await api('DELETE', `/api/conversations/${conversationId}?reason=${'x'.repeat(501)}`, admin.token);
    expect(long).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
    expect(await count('message', conversationId)).toBe(2);
  });
});
