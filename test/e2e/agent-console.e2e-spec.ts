import { randomUUID } from 'node:crypto';
import type { AnalyticsSummary, BotReply, CsatResult, HandoffView, LoginResult, ReplyDraftsView, ReviewDetailView, ReviewItemView, SendMessageResult } from '@app/contracts';
import { CSAT_BUTTONS, HANDOFF_TEXT, RESOLVED_TEXT } from '@app/conversation';
import { NluService } from '@app/nlu';
import {
  agentRequest,
  AgentSocket,
  ask,
  bootTestApp,
  callApi,
  collectEvents,
  connectAgent,
  makePgliteDir,
  removeDir,
  request,
  requestOk,
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
 * The agent console end to end on the real app and model (PGlite and PostgreSQL), with real widget and agent
 * socket.io clients: the live review queue, review decisions becoming training examples, flagging, and the
 * handoff round trip widget → agent → widget → bot.
 */
jest.setTimeout(240_000);
const TIMEOUT = { timeout: 20_000 };

describe.each<[TestDatabase]>([['pglite'], ['postgres']])('agent console on %s', (kind) => {
  let t: TestApp;
  let dir: string | undefined;
  let agent: LoginResult;
  let other: LoginResult;
  const sockets: Array<WidgetSocket | AgentSocket> = [];

  const api = <T = any>(method: string, path: string, token: string, body?: unknown) => callApi<T>(t.url, method, path, token, body);
  const console_ = async (login: LoginResult) => {
    const s = await connectAgent(t.url, login.token);
    sockets.push(s);
    return s;
  };
  const widget = async () => {
    const r = await startConversation(t.url);
    sockets.push(r.socket);
    return r;
  };
  const send = (socket: WidgetSocket, text: string) => requestOk<SendMessageResult>(socket, 'message:send', { clientMessageId: randomUUID(), text });

  beforeAll(async () => {
    dir = kind === 'pglite' ? makePgliteDir() : undefined;
    // Every turn below confidence 1 is queued, so ordinary messages fill the queue with several intents and routes.
    t = await bootTestApp({ kind, pgliteDir: dir }, { THRESHOLD_REVIEW: '1' });
    agent = await signIn(t, 'agent');
    other = await signIn(t, 'agent');
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

  describe('review queue', () => {
    it('pushes review:new to open consoles when a customer message is answered with low confidence', async () => {
      // The least confident of a few off-topic messages, as this model scores them (no hard-coded score).
      const nlu = t.app.get(NluService);
      const scored = await Promise.all(['I like turtles', 'hmm', 'xyz', 'what', 'why'].map(async (text) => ({ text, c: (await nlu.parse(text)).intent.confidence })));
      const text = scored.sort((a, b) => a.c - b.c)[0].text;
      const consoleSocket = await console_(agent);
      const { socket } = await widget();
      const queued = waitForAgentEvent(consoleSocket, 'review:new', TIMEOUT);
      const reply = await ask(socket, text);
      const item = await queued;
      expect(item).toMatchObject({ status: 'pending', reason: reply.route === 'fallback' ? 'fallback' : 'low_confidence', text, replyId: reply.messageId, messageId: reply.replyTo });
      expect(item.confidence).toBeCloseTo(reply.confidence!, 5);
      // The turn builds the pushed item from what it just stored: it is the item the queue lists.
      const listed = await api<{ items: ReviewItemView[] }>('GET', '/api/review?limit=50', agent.token);
      expect(listed.body.items.find((i) => i.id === item.id)).toEqual(item);
    });

    it('filters by predicted intent, route, confidence range and date, and pages with a cursor', async () => {
      const { socket } = await widget();
      const asked: BotReply[] = [];
      for (const text of ['I want a refund', 'how do I reset my password', 'I like turtles', 'I want to cancel my order 12345678', 'I want a refund now']) asked.push(await ask(socket, text));
      // What the turn pipeline queued (a reply whose calibrated confidence rounds to 1 is not): the expectations below.
      const queued = new Set((await t.dataSource.query(`SELECT message_id FROM review_item`)).map((r: { message_id: string }) => r.message_id));
      const replies = asked.filter((r) => queued.has(r.messageId));
      expect(replies.length).toBeGreaterThanOrEqual(4);
      const all = await api<{ items: ReviewItemView[] }>('GET', '/api/review?limit=50', agent.token);
      expect(all.body.items).toHaveLength(replies.length);
      const intent = replies[0].intent!;
      const byIntent = await api<{ items: ReviewItemView[] }>('GET', `/api/review?intent=${intent}`, agent.token);
      expect(byIntent.body.items.length).toBe(replies.filter((r) => r.intent === intent).length);
      expect(byIntent.body.items.every((i) => i.intent === intent)).toBe(true);
      const route = (replies.find((r) => r.route === 'fallback') ?? replies[0]).route;
      const byRoute = await api<{ items: ReviewItemView[] }>('GET', `/api/review?route=${route}`, agent.token);
      expect(byRoute.body.items.map((i) => i.replyId).sort()).toEqual(replies.filter((r) => r.route === route).map((r) => r.messageId).sort());
      const sorted = replies.map((r) => r.confidence!).sort((a, b) => a - b);
      const [lo, hi] = [sorted[1], sorted[3]];
      const band = await api<{ items: ReviewItemView[] }>('GET', `/api/review?minConfidence=${lo}&maxConfidence=${hi}`, agent.token);
      expect(band.body.items.length).toBe(replies.filter((r) => r.confidence! >= lo && r.confidence! <= hi).length);
      expect(band.body.items.every((i) => i.confidence! >= lo && i.confidence! <= hi)).toBe(true);
      const future = new Date(Date.now() + 3_600_000).toISOString();
      expect((await api<{ items: unknown[] }>('GET', `/api/review?from=${future}`, agent.token)).body.items).toEqual([]);
      expect((await api<{ items: unknown[] }>('GET', `/api/review?to=${future}`, agent.token)).body.items).toHaveLength(replies.length);

      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { status: number; body: { items: ReviewItemView[]; nextCursor: string | null } } = await api('GET', `/api/review?limit=2${cursor ? `&cursor=${cursor}` : ''}`, agent.token);
        seen.push(...page.body.items.map((i) => i.id));
        cursor = page.body.nextCursor;
      } while (cursor);
      expect(seen).toEqual(all.body.items.map((i) => i.id));
      expect((await api('GET', '/api/review?minConfidence=2', agent.token)).status).toBe(400);
    });

    it('shows the text, full ranking with raw scores, entity spans and context; a decision becomes a training example with who/when and an audit row', async () => {
      const { socket, conversation } = await widget();
      const reply = await ask(socket, 'I want to cancel my order 12345678');
      const [item] = (await api<{ items: ReviewItemView[] }>('GET', '/api/review', agent.token)).body.items;
      const detail = (await api<ReviewDetailView>('GET', `/api/review/${item.id}`, agent.token)).body;
      expect(detail).toMatchObject({ text: 'I want to cancel my order 12345678', intent: reply.intent, conversationId: conversation.conversationId, label: null });
      expect(detail.ranking.length).toBeGreaterThan(1);
      expect(detail.ranking[0]).toEqual({ name: reply.intent, confidence: expect.any(Number), logit: expect.any(Number) });
      expect(detail.entities).toEqual(reply.entities);
      expect(detail.context.map((m) => m.author)).toEqual(['customer', 'bot']);

      const consoleSocket = await console_(other);
      const updated = waitForAgentEvent(consoleSocket, 'review:updated', TIMEOUT);
      const confirmed = await api('POST', `/api/review/${item.id}/decision`, agent.token, { action: 'confirm' });
      expect(confirmed).toMatchObject({ status: 200, body: { item: { status: 'confirmed', decidedBy: agent.user.id } } });
      expect(await updated).toMatchObject({ id: item.id, status: 'confirmed' });
      const spans = reply.entities.map((e) => ({ start: e.start, end: e.end, label: e.label }));
      const examples = await t.dataSource.query(`SELECT * FROM training_example`);
      expect(examples).toHaveLength(1);
      expect(examples[0]).toMatchObject({ text: detail.text, intent: reply.intent, entities: spans, source: 'review', message_id: detail.messageId, created_by: agent.user.id });

      // A re-review corrects the same example: intent and spans replaced, still one row.
      const corrected = await api('POST', `/api/review/${item.id}/decision`, agent.token, { action: 'correct', intent: 'change_order', entities: [{ start: 26, end: 34, label: 'order_id' }] });
      expect(corrected).toMatchObject({ status: 200, body: { item: { status: 'corrected' }, trainingExampleId: examples[0].id } });
      const after = await t.dataSource.query(`SELECT intent, entities, updated_at > created_at AS changed FROM training_example`);
      expect(after).toEqual([{ intent: 'change_order', entities: [{ start: 26, end: 34, label: 'order_id' }], changed: true }]);
      const audit = await t.dataSource.query(`SELECT action, actor_id, before, after FROM audit_log WHERE target_type = 'review_item' AND target_id = $1 ORDER BY created_at`, [item.id]);
      expect(audit.map((a: { action: string }) => a.action)).toEqual(['review.confirm', 'review.correct']);
      expect(audit[1]).toMatchObject({
        actor_id: agent.user.id,
        before: { status: 'confirmed', label: { intent: reply.intent, entities: spans } },
        after: { status: 'corrected', label: { intent: 'change_order', entities: [{ start: 26, end: 34, label: 'order_id' }] } },
      });
      expect((await api<ReviewDetailView>('GET', `/api/review/${item.id}`, agent.token)).body.label).toMatchObject({ intent: 'change_order', createdBy: agent.user.id });
    });

    it('refuses decisions that cannot be a training example, with typed errors', async () => {
      const { socket } = await widget();
      const reply = await ask(socket, 'I want a refund');
      const item = (await api<{ item: ReviewItemView }>('POST', `/api/messages/${reply.messageId}/flag`, agent.token, {})).body.item;
      const bad = async (body: unknown) => (await api('POST', `/api/review/${item.id}/decision`, agent.token, body)).body;
      expect(await bad({ action: 'correct', entities: [{ start: 3, end: 99, label: 'x' }] })).toMatchObject({ code: 'VALIDATION_FAILED' });
      expect(await bad({ action: 'correct', entities: [{ start: 0, end: 4, label: 'a' }, { start: 2, end: 6, label: 'b' }] })).toMatchObject({ code: 'VALIDATION_FAILED' });
      expect(await bad({ action: 'correct' })).toMatchObject({ code: 'VALIDATION_FAILED' });
      expect(await bad({ action: 'confirm', intent: 'x' })).toMatchObject({ code: 'VALIDATION_FAILED' });
      expect(await bad({ action: 'delete' })).toMatchObject({ code: 'VALIDATION_FAILED' });
      expect(await api('POST', `/api/review/${randomUUID()}/decision`, agent.token, { action: 'confirm' })).toMatchObject({ status: 404, body: { code: 'REVIEW_ITEM_NOT_FOUND' } });
      expect(await t.dataSource.query(`SELECT count(*)::int AS n FROM training_example`)).toEqual([{ n: 0 }]);
    });
  });

  describe('NLU parse API', () => {
    it('returns the active model\'s ranking and entities with offsets and typed values, stores nothing, and refuses bad text with typed errors', async () => {
      const parsed = await api('POST', '/api/nlu/parse', agent.token, { text: 'I want to cancel order 12345', topK: 3 });
      expect(parsed.status).toBe(200);
      expect(parsed.body).toMatchObject({ text: 'I want to cancel order 12345', intent: { name: 'cancel_order' }, truncated: false, model: { variant: 'int8' }, route: 'template' });
      expect(parsed.body.ranking).toHaveLength(3);
      expect(parsed.body.intent.confidence).toBeGreaterThan(parsed.body.thresholds.answer);
      expect(parsed.body.entities).toEqual([expect.objectContaining({ label: 'order_id', start: 23, end: 28, text: '12345', value: expect.objectContaining({ kind: 'identifier' }) })]);
      expect(parsed.body).not.toHaveProperty('embedding');
      expect(await t.dataSource.query(`SELECT count(*)::int AS n FROM message`)).toEqual([{ n: 0 }]);
      // The policy's first choice, as the chat would route it: off-topic and asking for a person.
      expect((await api('POST', '/api/nlu/parse', agent.token, { text: 'play some jazz music' })).body).toMatchObject({ intent: { name: 'out_of_scope' }, route: 'fallback' });
      expect((await api('POST', '/api/nlu/parse', agent.token, { text: 'can I talk to a real person please' })).body).toMatchObject({ intent: { name: 'contact_human_agent' }, route: 'handoff' });

      expect(await api('POST', '/api/nlu/parse', agent.token, { text: '   ' })).toMatchObject({ status: 400, body: { code: 'MESSAGE_EMPTY' } });
      expect(await api('POST', '/api/nlu/parse', agent.token, { text: 'x'.repeat(2001) })).toMatchObject({ status: 400, body: { code: 'MESSAGE_TOO_LONG' } });
      expect(await api('POST', '/api/nlu/parse', agent.token, { text: 42 })).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
      expect(await api('POST', '/api/nlu/parse', agent.token, { text: 'hi', topK: 0 })).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
      expect(await api('POST', '/api/nlu/parse', agent.token, { text: 'hi', timeZone: 'Mars/Olympus_Mons' })).toMatchObject({ status: 400, body: { code: 'NLU_INPUT_INVALID_OPTION' } });
      expect(await api('POST', '/api/nlu/parse', agent.token, { text: 'hi', referenceTime: 'yesterday-ish' })).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
      expect((await callApi(t.url, 'POST', '/api/nlu/parse', '', { text: 'hi' })).status).toBe(401);
    });
  });

  describe('handoff', () => {
    it('widget asks for a human → agent takes it → messages both ways live → bot silent → released → bot answers again', async () => {
      const consoleSocket = await console_(agent);
      const { socket, conversation } = await widget();
      const conversationId = conversation.conversationId;

      const handoffNew = waitForAgentEvent(consoleSocket, 'handoff:new', { ...TIMEOUT, filter: (h) => h.conversationId === conversationId });
      const queued = waitForEvent(socket, 'handoff:queued', TIMEOUT);
      await requestOk(socket, 'handoff:request', {});
      expect(await handoffNew).toMatchObject({ conversationId, status: 'handoff_requested', assignedAgent: null });
      // A console is open: the customer is told a person will join, not that nobody is online.
      expect((await queued).message.text).toBe(HANDOFF_TEXT);
      const queue = await api<HandoffView[]>('GET', '/api/handoffs', agent.token);
      expect(queue.body.map((h) => h.conversationId)).toEqual([conversationId]);

      const statusAgent = waitForEvent(socket, 'conversation:status', TIMEOUT);
      const taken = await agentRequest<HandoffView>(consoleSocket, 'handoff:take', { conversationId });
      expect(taken).toMatchObject({ ok: true, data: { status: 'agent', assignedAgent: { id: agent.user.id, name: agent.user.name } } });
      expect(await statusAgent).toMatchObject({ conversationId, status: 'agent', message: { author: 'system' } });
      // Someone else's conversation: another agent may neither take it nor write in it.
      const otherSocket = await console_(other);
      expect(await agentRequest(otherSocket, 'handoff:take', { conversationId })).toMatchObject({ ok: false, error: { code: 'HANDOFF_NOT_ALLOWED' } });
      expect(await agentRequest(otherSocket, 'agent:message', { conversationId, clientMessageId: 'x1', text: 'hi' })).toMatchObject({ ok: false, error: { code: 'HANDOFF_NOT_ALLOWED' } });

      const agentMessages = collectEvents(socket, 'agent:message');
      const arrived = waitForEvent(socket, 'agent:message', TIMEOUT);
      const clientMessageId = randomUUID();
      const sent = await agentRequest<{ messageId: string; duplicate: boolean }>(consoleSocket, 'agent:message', { conversationId, clientMessageId, text: 'Hi, I am here to help.' });
      expect(sent).toMatchObject({ ok: true, data: { duplicate: false } });
      expect(await arrived).toMatchObject({ text: 'Hi, I am here to help.', agentName: agent.user.name });
      const resent = await agentRequest<{ messageId: string; duplicate: boolean }>(consoleSocket, 'agent:message', { conversationId, clientMessageId, text: 'Hi, I am here to help.' });
      expect(resent).toMatchObject({ ok: true, data: { duplicate: true, messageId: sent.ok ? sent.data.messageId : '' } });
      expect(await agentRequest(consoleSocket, 'agent:message', { conversationId, clientMessageId: randomUUID(), text: '   ' })).toMatchObject({ ok: false, error: { code: 'MESSAGE_EMPTY' } });
      const viaRest = await api('POST', `/api/conversations/${conversationId}/messages`, agent.token, { text: 'Let me check your order.' });
      expect(viaRest).toMatchObject({ status: 200, body: { duplicate: false } });

      const botReplies = collectEvents(socket, 'bot:reply');
      const seenByAgent = waitForAgentEvent(consoleSocket, 'conversation:message', { ...TIMEOUT, filter: (e) => e.message.author === 'customer' });
      const during = await send(socket, 'where is my order?');
      expect(await seenByAgent).toMatchObject({ conversationId, message: { messageId: during.messageId, text: 'where is my order?' } });
      await t.drainTurns();
      expect(botReplies.stop()).toEqual([]);
      expect(agentMessages.stop().map((m) => m.text)).toEqual(['Hi, I am here to help.', 'Let me check your order.']);

      const released = waitForAgentEvent(otherSocket, 'handoff:released', { ...TIMEOUT, filter: (h) => h.conversationId === conversationId });
      const statusBot = waitForEvent(socket, 'conversation:status', { ...TIMEOUT, filter: (e) => e.status === 'bot' });
      expect(await agentRequest(consoleSocket, 'handoff:release', { conversationId })).toMatchObject({ ok: true, data: { status: 'bot', assignedAgent: null } });
      await Promise.all([released, statusBot]);
      const back = await ask(socket, 'how do I reset my password');
      expect(back.route).not.toBe('agent');
      await t.drainTurns();
      // The message sent to the human is never answered by the bot, also after the hand-back.
      const answered = await t.dataSource.query(`SELECT count(*)::int AS n FROM message WHERE reply_to_id = $1 AND author = 'bot'`, [during.messageId]);
      expect(answered).toEqual([{ n: 0 }]);
      const rows = await t.dataSource.query(`SELECT author, agent_id FROM message WHERE conversation_id = $1 AND author = 'agent'`, [conversationId]);
      expect(rows).toEqual([
        { author: 'agent', agent_id: agent.user.id },
        { author: 'agent', agent_id: agent.user.id },
      ]);
      const audit = await t.dataSource.query(`SELECT action FROM audit_log WHERE target_type = 'conversation' AND target_id = $1 ORDER BY created_at`, [conversationId]);
      expect(audit.map((a: { action: string }) => a.action)).toEqual(['handoff.take', 'agent.message', 'agent.message', 'handoff.release']);
    });

    it('asks the customer to rate the person after the hand-back: one rating per handoff, a second replaces it', async () => {
      const consoleSocket = await console_(agent);
      const { socket, conversation } = await widget();
      const conversationId = conversation.conversationId;
      // Nothing to rate before a person has helped, nor while they still have the conversation.
      expect(await request(socket, 'csat:send', { rating: 5 })).toMatchObject({ ok: false, error: { code: 'CSAT_NOT_ALLOWED' } });
      await requestOk(socket, 'handoff:request', {});
      expect(await agentRequest(consoleSocket, 'handoff:take', { conversationId })).toMatchObject({ ok: true });
      await agentRequest(consoleSocket, 'agent:message', { conversationId, clientMessageId: randomUUID(), text: 'Done: your refund is on its way.' });
      expect(await request(socket, 'csat:send', { rating: 5 })).toMatchObject({ ok: false, error: { code: 'CSAT_NOT_ALLOWED' } });

      const statusBot = waitForEvent(socket, 'conversation:status', { ...TIMEOUT, filter: (e) => e.status === 'bot' });
      await agentRequest(consoleSocket, 'handoff:release', { conversationId });
      const back = await statusBot;
      expect(back.message!.suggestions!.map((s) => [s.rating, s.action])).toEqual([1, 2, 3, 4, 5].map((r) => [r, 'csat:send']));
      for (const rating of [0, 6, 2.5, '4', null]) {
        expect(await request(socket, 'csat:send', { rating })).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
      }
      const first = await requestOk<CsatResult>(socket, 'csat:send', { rating: 2 });
      expect(first.replaced).toBe(false);
      const second = await requestOk<CsatResult>(socket, 'csat:send', { rating: 4, comment: 'quick and kind' });
      expect(second).toEqual({ csatId: first.csatId, replaced: true });
      const rows = await t.dataSource.query(`SELECT rating, comment, agent_id FROM csat_response WHERE conversation_id = $1`, [conversationId]);
      expect(rows).toEqual([{ rating: 4, comment: 'quick and kind', agent_id: agent.user.id }]);
      // A reload shows the rating buttons again while the note is the conversation's last message.
      const resumed = await startConversation(t.url, { token: conversation.token, lastSeq: 0 });
      sockets.push(resumed.socket);
      expect(resumed.conversation.messages.at(-1)).toMatchObject({ author: 'system', messageId: back.message!.messageId, suggestions: back.message!.suggestions });

      // A request a person declined without taking it asks for no rating.
      const declined = await widget();
      await requestOk(declined.socket, 'handoff:request', {});
      const declinedBack = waitForEvent(declined.socket, 'conversation:status', { ...TIMEOUT, filter: (e) => e.status === 'bot' });
      await agentRequest(consoleSocket, 'handoff:release', { conversationId: declined.conversation.conversationId });
      expect((await declinedBack).message).not.toHaveProperty('suggestions');

      const admin = await signIn(t, 'admin');
      const summary = await api<AnalyticsSummary>('GET', '/api/analytics/summary?days=1', admin.token);
      expect(summary.body.csat).toEqual({ responses: 1, average: 4, satisfiedRate: 1, byAgent: [{ agentId: agent.user.id, name: agent.user.name, responses: 1, average: 4, satisfiedRate: 1 }] });
    });

    it("drafts the agent's replies from the templates of the likeliest intents, filled with the customer's entities", async () => {
      const drafts = async (id: string) => {
        const res = await api<ReplyDraftsView>('GET', `/api/conversations/${id}/drafts`, agent.token);
        expect(res.status).toBe(200);
        return res.body;
      };
      const { socket, conversation } = await widget();
      const conversationId = conversation.conversationId;
      expect(await drafts(conversationId)).toEqual({ basedOn: null, items: [], articles: [] });

      // A turn the bot answered: the likeliest intent's template with the order number filled in.
      await ask(socket, 'I want to cancel order 12345');
      const answered = await drafts(conversationId);
      expect(answered.basedOn?.text).toBe('I want to cancel order 12345');
      expect(answered.items[0]).toMatchObject({ intent: 'cancel_order', name: 'How to cancel an order', missing: [] });
      expect(answered.items[0].text).toContain('12345');
      expect(answered.items[0].text).not.toMatch(/\{\{/);
      expect(answered.items.length).toBeLessThanOrEqual(3);
      for (const d of answered.items) expect(['greet', 'affirm', 'deny', 'out_of_scope', 'contact_human_agent']).not.toContain(d.intent);

      // With a person the bot reads nothing: the latest message is parsed for the drafts, and nothing is stored.
      await requestOk(socket, 'handoff:request', {});
      await send(socket, 'how do I change the delivery address?');
      await t.drainTurns();
      const live = await drafts(conversationId);
      expect(live.basedOn?.text).toBe('how do I change the delivery address?');
      expect(live.items[0].intent).toBe('change_shipping_address');
      // The help-center articles the bot's search finds, worded as the bot's retrieval answer.
      expect(live.articles.length).toBeGreaterThan(0);
      expect(live.articles.length).toBeLessThanOrEqual(2);
      expect(live.articles[0].text.startsWith(`Here is what I found in our help center: "${live.articles[0].title}". `)).toBe(true);
      const [article] = await t.dataSource.query(`SELECT slug, intent FROM kb_article WHERE id = $1`, [live.articles[0].articleId]);
      expect(article).toMatchObject({ slug: live.articles[0].slug, intent: 'change_shipping_address' });
      const [{ ranking }] = await t.dataSource.query(`SELECT ranking FROM message WHERE id = $1`, [live.basedOn!.messageId]);
      expect(ranking).toBeNull();

      // A required entity nobody gave: the draft is the template's question for it.
      const second = await widget();
      await ask(second.socket, 'I want to cancel my order');
      const asking = await drafts(second.conversation.conversationId);
      expect(asking.items[0]).toMatchObject({ intent: 'cancel_order', missing: ['order_id'], text: 'Sure, I can help with that. Could you give me your order number?' });
      // The number given to the person, in a message before the latest one, fills the draft too.
      await requestOk(second.socket, 'handoff:request', {});
      await send(second.socket, 'it is order 98765');
      await send(second.socket, 'can you cancel it please');
      await t.drainTurns();
      const filled = await drafts(second.conversation.conversationId);
      expect(filled.basedOn?.text).toBe('can you cancel it please');
      expect(filled.items[0]).toMatchObject({ intent: 'cancel_order', missing: [] });
      expect(filled.items[0].text).toContain('98765');

      expect(await api('GET', `/api/conversations/${randomUUID()}/drafts`, agent.token)).toMatchObject({ status: 404, body: { code: 'CONVERSATION_NOT_FOUND' } });
      expect((await api('GET', '/api/conversations/nope/drafts', agent.token)).status).toBe(400);
      expect((await callApi(t.url, 'GET', `/api/conversations/${conversationId}/drafts`, '')).status).toBe(401);
    });

    it('taking over REST makes every open console of that agent follow the conversation; only the agent who has it may release', async () => {
      const tabs = [await console_(agent), await console_(agent)];
      const { socket, conversation } = await widget();
      const conversationId = conversation.conversationId;
      // The consoles join the conversation's room just before handoff:taken goes out.
      const taken = waitForAgentEvent(tabs[0], 'handoff:taken', { ...TIMEOUT, filter: (h) => h.conversationId === conversationId });
      expect(await api('POST', `/api/conversations/${conversationId}/take`, agent.token)).toMatchObject({ status: 200, body: { status: 'agent' } });
      await taken;
      expect(await api('POST', `/api/conversations/${conversationId}/take`, agent.token)).toMatchObject({ status: 200, body: { status: 'agent' } });
      expect(await api('POST', `/api/conversations/${conversationId}/release`, other.token)).toMatchObject({ status: 409, body: { code: 'HANDOFF_NOT_ALLOWED' } });
      const typing = waitForEvent(socket, 'typing:start', TIMEOUT);
      expect(await agentRequest(tabs[1], 'typing:start', { conversationId })).toMatchObject({ ok: true });
      expect(await typing).toEqual({ author: 'agent' });
      const seen = tabs.map((tab) => waitForAgentEvent(tab, 'conversation:message', { ...TIMEOUT, filter: (e) => e.message.author === 'customer' }));
      const sent = await send(socket, 'is anyone there?');
      for (const event of await Promise.all(seen)) expect(event).toMatchObject({ conversationId, message: { messageId: sent.messageId } });
      expect(await api('POST', `/api/conversations/${conversationId}/release`, agent.token)).toMatchObject({ status: 200, body: { status: 'bot' } });
      expect((await api('POST', `/api/conversations/${randomUUID()}/take`, agent.token)).body).toMatchObject({ code: 'CONVERSATION_NOT_FOUND' });
    });

    it('resolves a conversation: closed for good, the customer told and asked to rate the person, consoles updated, audited', async () => {
      const consoleSocket = await console_(agent);
      const { socket, conversation } = await widget();
      const conversationId = conversation.conversationId;
      await requestOk(socket, 'handoff:request', {});
      expect((await api('POST', `/api/conversations/${conversationId}/take`, agent.token)).status).toBe(200);
      await send(socket, 'thanks, that sorted it');
      expect((await api('POST', `/api/conversations/${conversationId}/messages`, agent.token, { clientMessageId: randomUUID(), text: 'Glad to help!' })).status).toBe(200);
      // Someone else's conversation: another agent may not resolve it.
      expect(await api('POST', `/api/conversations/${conversationId}/resolve`, other.token)).toMatchObject({ status: 409, body: { code: 'HANDOFF_NOT_ALLOWED' } });

      const closed = waitForEvent(socket, 'conversation:status', TIMEOUT);
      const resolvedEvent = waitForAgentEvent(consoleSocket, 'handoff:resolved', { ...TIMEOUT, filter: (h) => h.conversationId === conversationId });
      expect(await agentRequest<HandoffView>(consoleSocket, 'conversation:resolve', { conversationId })).toMatchObject({ ok: true, data: { status: 'closed', assignedAgent: null } });
      const event = await closed;
      expect(event).toMatchObject({ conversationId, status: 'closed', message: { author: 'system', text: RESOLVED_TEXT } });
      expect(event.message!.suggestions).toEqual(CSAT_BUTTONS);
      expect(await resolvedEvent).toMatchObject({ status: 'closed' });
      expect((await api<HandoffView[]>('GET', '/api/handoffs', agent.token)).body.map((h) => h.conversationId)).not.toContain(conversationId);

      // Nothing more goes into it, but the customer can rate the person who helped (the widget starts a new one).
      expect(await request(socket, 'message:send', { clientMessageId: randomUUID(), text: 'one more thing' })).toMatchObject({ ok: false, error: { code: 'CONVERSATION_CLOSED' } });
      expect(await requestOk<CsatResult>(socket, 'csat:send', { rating: 4 })).toMatchObject({ replaced: false });
      const [rating] = await t.dataSource.query(`SELECT rating, agent_id FROM csat_response WHERE conversation_id = $1`, [conversationId]);
      expect(rating).toEqual({ rating: 4, agent_id: agent.user.id });
      expect(await api('POST', `/api/conversations/${conversationId}/resolve`, agent.token)).toMatchObject({ status: 409, body: { code: 'CONVERSATION_CLOSED' } });
      const audit = await t.dataSource.query(`SELECT actor_id, before, after FROM audit_log WHERE action = 'conversation.resolve' AND target_id = $1`, [conversationId]);
      expect(audit).toEqual([{ actor_id: agent.user.id, before: { status: 'agent', assignedAgentId: agent.user.id }, after: { status: 'closed', assignedAgentId: null } }]);

      // One with the bot (spam, answered elsewhere): any agent resolves it, and nobody is asked to rate anyone.
      const second = await widget();
      const status = waitForEvent(second.socket, 'conversation:status', TIMEOUT);
      expect((await api('POST', `/api/conversations/${second.conversation.conversationId}/resolve`, other.token)).status).toBe(200);
      expect((await status).message!.suggestions).toBeUndefined();
    });

    it('lets an agent flag a customer message the bot never answered; it enters the queue once', async () => {
      const { socket, conversation } = await widget();
      await requestOk(socket, 'handoff:request', {});
      const during = await send(socket, 'my parcel arrived broken');
      await t.drainTurns();
      const consoleSocket = await console_(agent);
      const reviewNew = waitForAgentEvent(consoleSocket, 'review:new', TIMEOUT);
      const flagged = await api('POST', `/api/messages/${during.messageId}/flag`, agent.token, { reason: 'refund request, not in the model' });
      expect(flagged).toMatchObject({ status: 200, body: { queued: true, item: { reason: 'flagged', messageId: during.messageId, replyId: null, intent: null } } });
      expect(await reviewNew).toMatchObject({ reason: 'flagged', messageId: during.messageId });
      expect(await api('POST', `/api/messages/${during.messageId}/flag`, agent.token, {})).toMatchObject({ body: { queued: false } });
      const listed = await api<{ items: ReviewItemView[] }>('GET', '/api/review?reason=flagged', agent.token);
      expect(listed.body.items.map((i) => i.messageId)).toEqual([during.messageId]);
      // Nothing was predicted: confirming is refused, correcting labels it.
      const itemId = listed.body.items[0].id;
      expect((await api('POST', `/api/review/${itemId}/decision`, agent.token, { action: 'confirm' })).status).toBe(400);
      expect((await api('POST', `/api/review/${itemId}/decision`, agent.token, { action: 'correct', intent: 'get_refund' })).status).toBe(200);
      expect(await t.dataSource.query(`SELECT intent, conversation_id FROM training_example`)).toEqual([{ intent: 'get_refund', conversation_id: conversation.conversationId }]);
      const system = await api('POST', `/api/messages/${conversation.conversationId}/flag`, agent.token, {});
      expect(system).toMatchObject({ status: 404, body: { code: 'MESSAGE_NOT_FOUND' } });
    });
  });

  describe('private notes', () => {
    it('shows a note to the agents following the conversation, live, and never to the customer', async () => {
      const { socket, conversation } = await widget();
      const conversationId = conversation.conversationId;
      await send(socket, 'my parcel never arrived');
      const watching = await console_(other);
      await agentRequest(watching, 'conversation:watch', { conversationId });
      const heard = waitForAgentEvent(watching, 'conversation:note', TIMEOUT);
      const widgetEvents: string[] = [];
      socket.onAny((event: string) => widgetEvents.push(event));

      const note = await api('POST', `/api/conversations/${conversationId}/notes`, agent.token, { text: '  Promised a call-back tomorrow.  ' });
      expect(note).toMatchObject({ status: 201, body: { conversationId, text: 'Promised a call-back tomorrow.', author: { id: agent.user.id, name: agent.user.name } } });
      expect(await heard).toEqual(note.body);
      expect((await api('GET', `/api/conversations/${conversationId}/notes`, other.token)).body).toEqual([note.body]);

      // Nothing customer-facing carries it: not the widget, not its history, not the transcript's messages.
      const resumed = await startConversation(t.url, { token: conversation.token, lastSeq: 0 });
      sockets.push(resumed.socket);
      expect(JSON.stringify(resumed.conversation.messages)).not.toContain('call-back');
      expect(JSON.stringify((await api('GET', `/api/conversations/${conversationId}`, agent.token)).body.messages)).not.toContain('call-back');
      expect(widgetEvents.filter((e) => e.includes('note'))).toEqual([]);
      const audit = await t.dataSource.query(`SELECT action, after FROM audit_log WHERE action = 'note.create' AND target_id = $1`, [conversationId]);
      expect(audit).toEqual([{ action: 'note.create', after: { noteId: note.body.id, chars: 30 } }]);
    });

    it('refuses an empty or unknown target with a typed error; only the author or an admin deletes; erasure takes the notes', async () => {
      const { conversation } = await widget();
      const conversationId = conversation.conversationId;
      expect(await api('POST', `/api/conversations/${conversationId}/notes`, agent.token, { text: '   ' })).toMatchObject({ status: 400, body: { code: 'MESSAGE_EMPTY' } });
      expect(await api('POST', `/api/conversations/${conversationId}/notes`, agent.token, { text: 'x'.repeat(2001) })).toMatchObject({ status: 400, body: { code: 'MESSAGE_TOO_LONG' } });
      expect(await api('POST', `/api/conversations/${conversationId}/notes`, agent.token, { text: 42 })).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
      expect(await api('POST', `/api/conversations/${conversationId}/notes`, agent.token, { text: 'a\u0000b' })).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
      expect(await api('POST', `/api/conversations/${randomUUID()}/notes`, agent.token, { text: 'hi' })).toMatchObject({ status: 404, body: { code: 'CONVERSATION_NOT_FOUND' } });
      const note = (await api('POST', `/api/conversations/${conversationId}/notes`, agent.token, { text: 'check the courier' })).body;
      expect((await api('DELETE', `/api/conversations/${conversationId}/notes/${note.id}`, other.token)).status).toBe(403);
      // Only under its own conversation.
      expect((await api('DELETE', `/api/conversations/${randomUUID()}/notes/${note.id}`, agent.token)).status).toBe(404);
      expect((await api('DELETE', `/api/conversations/${conversationId}/notes/${note.id}`, agent.token)).status).toBe(204);
      expect((await api('DELETE', `/api/conversations/${conversationId}/notes/${note.id}`, agent.token)).status).toBe(404);
      await api('POST', `/api/conversations/${conversationId}/notes`, agent.token, { text: 'second thought' });
      const admin = await signIn(t, 'admin');
      expect((await api('DELETE', `/api/conversations/${conversationId}`, admin.token)).status).toBe(200);
      expect(await t.dataSource.query(`SELECT count(*)::int AS n FROM conversation_note WHERE conversation_id = $1`, [conversationId])).toEqual([{ n: 0 }]);
    });
  });
});
