import { createHmac, randomUUID } from 'node:crypto';
import type { RestHistoryResult, RestSendResult } from '@app/contracts';
import { HANDOFF_ACK_TEXT } from '@app/conversation';
import { NluService } from '@app/nlu';
import { bootTestApp, callApi, makePgliteDir, removeDir, signIn, TestApp, TestDatabase, truncateChat } from '@app/testing';

/**
 * The REST channel end to end on the real app and model (PGlite and PostgreSQL): a message in and the bot's reply out
 * in one request, the token in a header, resends without duplicates, a handoff and the agent's messages read back.
 */
jest.setTimeout(240_000);

const TOKEN = 'x-parley-conversation-token';

const IDENTITY_SECRET = 'rest-identity-secret-00000';
const signed = (userId: string, name?: string) => ({ userId, ...(name ? { name } : {}), hash: createHmac('sha256', IDENTITY_SECRET).update(userId).digest('hex') });

describe.each<[TestDatabase]>([['pglite'], ['postgres']])('REST channel on %s', (kind) => {
  let t: TestApp;
  let dir: string | undefined;

  const post = async (body: unknown, token?: string) => {
    const res = await fetch(`${t.url}/api/channels/rest/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { [TOKEN]: token } : {}) },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as RestSendResult & { code?: string } };
  };
  const history = async (token: string | undefined, after = 0) => {
    const res = await fetch(`${t.url}/api/channels/rest/messages?after=${after}`, { headers: token ? { [TOKEN]: token } : {} });
    return { status: res.status, body: (await res.json()) as RestHistoryResult & { code?: string } };
  };
  const say = (text: string, token?: string, clientMessageId = randomUUID()) => post({ clientMessageId, text }, token);
  const count = async (sql: string): Promise<number> => (await t.dataSource.query(sql))[0].n;

  beforeAll(async () => {
    dir = kind === 'pglite' ? makePgliteDir() : undefined;
    t = await bootTestApp({ kind, pgliteDir: dir }, { WIDGET_IDENTITY_SECRET: IDENTITY_SECRET });
  });

  beforeEach(async () => {
    await t.drainTurns();
    await truncateChat(t.dataSource);
  });

  afterAll(async () => {
    await t?.close();
    if (dir) removeDir(dir);
  });

  it('starts a conversation with the first message and answers in the same response; the token continues it', async () => {
    const first = await say('I want to cancel order 12345');
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ seq: 1, duplicate: false, status: 'bot', reply: { route: 'template', intent: 'cancel_order', seq: 2 } });
    expect(first.body.reply!.replyTo).toBe(first.body.messageId);
    expect(first.body.reply!.text).toContain('12345');
    const token = first.body.conversationToken!;
    expect(token.length).toBeGreaterThan(20);

    const second = await say('how do I reset my password', token);
    expect(second.body).toMatchObject({ conversationId: first.body.conversationId, seq: 3, reply: { intent: 'recover_password', seq: 4 } });
    expect(second.body).not.toHaveProperty('conversationToken');
    expect(await count(`SELECT count(*)::int AS n FROM conversation`)).toBe(1);

    const read = await history(token, 2);
    expect(read.body).toMatchObject({ conversationId: first.body.conversationId, status: 'bot', lastSeq: 4 });
    expect(read.body.messages.map((m) => [m.seq, m.author])).toEqual([
      [3, 'customer'],
      [4, 'bot'],
    ]);
  });

  it('takes a signed-in customer like the widget: a new conversation as theirs, an anonymous one adopted, another customer\'s refused', async () => {
    const mine = await post({ clientMessageId: randomUUID(), text: 'hello', identity: signed('cust-5', 'Cy') });
    expect(mine.status).toBe(200);
    const rows = async () => t.dataSource.query(`SELECT customer_id, customer_name FROM conversation ORDER BY created_at`);
    expect(await rows()).toEqual([{ customer_id: 'cust-5', customer_name: 'Cy' }]);
    const anonymous = await say('hello');
    expect((await post({ clientMessageId: randomUUID(), text: 'thanks', identity: signed('cust-6') }, anonymous.body.conversationToken)).status).toBe(200);
    expect(await rows()).toEqual([
      { customer_id: 'cust-5', customer_name: 'Cy' },
      { customer_id: 'cust-6', customer_name: null },
    ]);
    const other = await post({ clientMessageId: randomUUID(), text: 'who am I', identity: signed('cust-6') }, mine.body.conversationToken);
    expect(other).toMatchObject({ status: 409, body: { code: 'IDENTITY_MISMATCH' } });
    const forged = await post({ clientMessageId: randomUUID(), text: 'hi', identity: { userId: 'cust-5', hash: signed('cust-6').hash } });
    expect(forged).toMatchObject({ status: 401, body: { code: 'IDENTITY_INVALID' } });
    // Nothing stored for the refused ones.
    expect(await count(`SELECT count(*)::int AS n FROM message WHERE author = 'customer'`)).toBe(3);
  });

  it('a resend of the same clientMessageId creates nothing and returns the same message and reply', async () => {
    const first = await say('where is my order 55512');
    const token = first.body.conversationToken!;
    const again = await post({ clientMessageId: 'c-1', text: 'what payment methods do you accept' }, token);
    const resent = await post({ clientMessageId: 'c-1', text: 'what payment methods do you accept' }, token);
    expect(resent.body).toMatchObject({ messageId: again.body.messageId, duplicate: true, reply: { messageId: again.body.reply!.messageId, text: again.body.reply!.text } });
    expect(await count(`SELECT count(*)::int AS n FROM message`)).toBe(4);
  });

  it('carries the fallback\'s buttons, like the widget, also in a resend and the history', async () => {
    const nlu = t.app.get(NluService);
    expect((await nlu.parse('play some jazz music')).intent.name).toBe('out_of_scope');
    const res = await say('play some jazz music');
    expect(res.body.reply).toMatchObject({ route: 'fallback' });
    expect(res.body.reply!.suggestions).toEqual(expect.arrayContaining([expect.objectContaining({ text: 'Talk to a person', action: 'handoff:request' })]));
    // A resend, and the history, return the reply with its buttons too.
    const token = res.body.conversationToken!;
    const resent = await post({ clientMessageId: 'c-jazz', text: 'play some jazz music' }, token);
    const again = await post({ clientMessageId: 'c-jazz', text: 'play some jazz music' }, token);
    expect(again.body).toMatchObject({ duplicate: true, reply: { messageId: resent.body.reply!.messageId, suggestions: resent.body.reply!.suggestions } });
    const read = await history(token);
    expect(read.body.messages.find((m) => m.messageId === res.body.reply!.messageId)).toMatchObject({ suggestions: res.body.reply!.suggestions });
  });

  it('hands over to a person: no bot reply while the agent has it, the agent\'s message read back with GET', async () => {
    const first = await say('can I talk to a real person please');
    const token = first.body.conversationToken!;
    expect(first.body.reply!.text).toBe(HANDOFF_ACK_TEXT);
    await t.drainTurns();
    const agent = await signIn(t, 'agent');
    const conversationId = first.body.conversationId;
    expect((await callApi(t.url, 'POST', `/api/conversations/${conversationId}/take`, agent.token)).status).toBe(200);
    // The bot never answers a message meant for the person (and the request does not wait for it: unit test).
    const during = await say('my order is late', token);
    expect(during.body).toMatchObject({ status: 'agent', reply: null });
    expect((await callApi(t.url, 'POST', `/api/conversations/${conversationId}/messages`, agent.token, { text: 'Let me check that for you.' })).status).toBe(200);
    const read = await history(token, during.body.seq);
    expect(read.body.status).toBe('agent');
    expect(read.body.messages.map((m) => [m.author, m.text])).toEqual([['agent', 'Let me check that for you.']]);

    // Given back: the note offers a rating of the person, which a REST client sends like the widget.
    const csat = async (body: unknown, header: string | undefined = token) => {
      const res = await fetch(`${t.url}/api/channels/rest/csat`, { method: 'POST', headers: { 'content-type': 'application/json', ...(header ? { [TOKEN]: header } : {}) }, body: JSON.stringify(body) });
      return { status: res.status, body: await res.json() };
    };
    expect(await csat({ rating: 5 })).toMatchObject({ status: 409, body: { code: 'CSAT_NOT_ALLOWED' } });
    expect((await callApi(t.url, 'POST', `/api/conversations/${conversationId}/release`, agent.token)).status).toBe(200);
    const back = await history(token, read.body.lastSeq);
    expect(back.body.messages.at(-1)).toMatchObject({ author: 'system', suggestions: expect.arrayContaining([{ text: 'Excellent', action: 'csat:send', rating: 5 }]) });
    expect(await csat({ rating: 9 })).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
    expect(await csat({ rating: 5 }, '')).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
    expect(await csat({ rating: 5 }, 'x'.repeat(40))).toMatchObject({ status: 404, body: { code: 'CONVERSATION_NOT_FOUND' } });
    expect(await csat({ rating: 5 })).toMatchObject({ status: 200, body: { replaced: false } });
  });

  it('refuses bad input with typed errors and starts no conversation for it', async () => {
    expect(await say('   ')).toMatchObject({ status: 400, body: { code: 'MESSAGE_EMPTY' } });
    expect(await say('x'.repeat(2001))).toMatchObject({ status: 400, body: { code: 'MESSAGE_TOO_LONG' } });
    expect(await post({ text: 'hi' })).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
    expect(await post({ clientMessageId: 'a', text: 42 })).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
    expect(await count(`SELECT count(*)::int AS n FROM conversation`)).toBe(0);
    expect(await say('hello', 'not-a-real-token')).toMatchObject({ status: 404, body: { code: 'CONVERSATION_NOT_FOUND' } });
    expect(await history(undefined)).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
    expect(await history('not-a-real-token')).toMatchObject({ status: 404, body: { code: 'CONVERSATION_NOT_FOUND' } });
  });
});
