import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ContactResult, ConversationContact, HandoffQueued, HandoffView, RestHistoryResult, RestSendResult, WebhookEnvelope } from '@app/contracts';
import { CONTACT_BUTTON, contactNotedText, CONTACT_OFFER_TEXT } from '@app/conversation';
import {
  bootTestApp,
  callApi,
  connectAgent,
  connectWidget,
  makePgliteDir,
  removeDir,
  request,
  requestOk,
  signIn,
  startConversation,
  TestApp,
  TestDatabase,
  until,
  waitForAgentEvent,
  waitForEvent,
  WidgetSocket,
} from '@app/testing';

/**
 * Business hours and the offline follow-up on the real app (PGlite and PostgreSQL): outside the hours a customer who
 * asks for a person is told when the team is back, even with a console open, and offered an email field; the address
 * they leave is stored once, confirmed in the chat, shown to the agents live and sent with the conversation's webhook
 * events, over the widget socket and the REST channel alike.
 */
jest.setTimeout(180_000);

const SECRET = 'offline-contact-webhook-secret';
const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

describe.each<[TestDatabase]>([['pglite'], ['postgres']])('business hours and offline contact on %s', (kind) => {
  let t: TestApp;
  let dir: string | undefined;
  let receiver: Server;
  const received: WebhookEnvelope[] = [];
  const open: { disconnect(): unknown }[] = [];

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let raw = '';
      req.on('data', (d: Buffer) => (raw += d.toString()));
      req.on('end', () => {
        received.push(JSON.parse(raw) as WebhookEnvelope);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    dir = kind === 'pglite' ? makePgliteDir() : undefined;
    // Closed yesterday, today and tomorrow (UTC), open around the clock otherwise: whatever the hour the test runs at,
    // the team is away now and back at midnight the day after tomorrow.
    t = await bootTestApp(
      { kind, pgliteDir: dir },
      {
        BUSINESS_CLOSED_DATES: [day(-1), day(0), day(1)].join(','),
        BUSINESS_TIMEZONE: 'UTC',
        EVENT_WEBHOOK_URL: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`,
        EVENT_WEBHOOK_SECRET: SECRET,
        EVENT_WEBHOOK_RETRY_BASE_MS: '50',
      },
    );
  });

  afterEach(() => {
    for (const s of open.splice(0)) s.disconnect();
  });

  afterAll(async () => {
    await t?.close();
    await new Promise((resolve) => receiver?.close(resolve));
    if (dir) removeDir(dir);
  });

  const widget = async (token?: string) => {
    const started = await startConversation(t.url, token ? { token } : {});
    open.push(started.socket);
    return started;
  };

  it('outside business hours: says when the team is back, even with a console open, and keeps the email the customer leaves', async () => {
    const agent = await signIn(t, 'agent');
    const console_ = await connectAgent(t.url, agent.token);
    open.push(console_);
    const { socket, conversation } = await widget();
    const id = conversation.conversationId;
    // The widget learns on start that the team is away, and until when (its header says so).
    expect(conversation.availability).toEqual({ openNow: false, nextOpening: `${day(2)}T00:00:00.000Z`, back: expect.stringMatching(/^\w+ at 00:00 \(UTC\)$/) });

    const queued = waitForEvent(socket, 'handoff:queued', { timeout: 10_000 });
    await requestOk(socket, 'handoff:request', {});
    const { message } = (await queued) as HandoffQueued;
    expect(message.text).toMatch(/^Thanks for your patience\. Our team is away right now and back \w+ at 00:00 \(UTC\)\. /);
    expect(message.text.endsWith(CONTACT_OFFER_TEXT)).toBe(true);
    expect(message.suggestions).toEqual([CONTACT_BUTTON]);

    // Bad addresses are refused with a typed error, and nothing is stored.
    for (const payload of [{}, { email: 'not an email' }, { email: `${'a'.repeat(250)}@b.io` }, { email: 'ann@example.com', extra: 1 }, { email: 42 }]) {
      expect(await request(socket, 'contact:send', payload)).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    }
    expect((await t.dataSource.query(`SELECT contact_email FROM conversation WHERE id = $1`, [id]))[0].contact_email).toBeNull();

    // A second tab of the same conversation and every console hear of it; the domain is stored in lower case.
    const { socket: tab } = await widget(conversation.token);
    const inTab = waitForEvent(tab, 'conversation:contact', { timeout: 10_000 });
    const atConsole = waitForAgentEvent(console_, 'conversation:contact', { timeout: 10_000 });
    const left = await requestOk<ContactResult>(socket, 'contact:send', { email: '  Ann.Lee@Example.COM ' });
    expect(left).toMatchObject({ email: 'Ann.Lee@example.com', message: { author: 'system', text: contactNotedText('Ann.Lee@example.com') } });
    expect(((await inTab) as ConversationContact).message.messageId).toBe(left.message!.messageId);
    expect(await atConsole).toMatchObject({ conversationId: id, email: 'Ann.Lee@example.com' });

    // The same address again (a retried send) changes nothing; another one replaces it.
    expect(await requestOk<ContactResult>(socket, 'contact:send', { email: 'Ann.Lee@example.com' })).toEqual({ email: 'Ann.Lee@example.com', message: null });
    const systemMessages = async () => (await t.dataSource.query(`SELECT count(*)::int AS n FROM message WHERE conversation_id = $1 AND author = 'system'`, [id]))[0].n;
    expect(await systemMessages()).toBe(2);

    // Agents see it on the queue and the conversation; the webhook gets it, and it rides along with later events.
    const queue = await callApi<HandoffView[]>(t.url, 'GET', '/api/handoffs', agent.token);
    expect(queue.body.find((h) => h.conversationId === id)).toMatchObject({ contactEmail: 'Ann.Lee@example.com', customer: null });
    expect((await callApi(t.url, 'GET', `/api/conversations/${id}`, agent.token)).body).toMatchObject({ contactEmail: 'Ann.Lee@example.com' });
    expect((await callApi(t.url, 'POST', `/api/conversations/${id}/take`, agent.token)).status).toBe(200);
    const of = (event: string) => received.filter((e) => e.event === event && (e.data as { conversationId: string }).conversationId === id);
    await until('contact.left and handoff.taken delivered', async () => of('contact.left').length === 1 && of('handoff.taken').length === 1);
    expect(of('handoff.requested')[0].data).toMatchObject({ openNow: false, agentsOnline: 1 });
    expect(of('contact.left')[0].data).toEqual({ conversationId: id, email: 'Ann.Lee@example.com', customer: null, contactEmail: 'Ann.Lee@example.com' });
    expect(of('handoff.taken')[0].data).toMatchObject({ contactEmail: 'Ann.Lee@example.com' });
  });

  it('asks no email again once one is known, and refuses one before a conversation or after it is erased', async () => {
    const { socket, conversation } = await widget();
    await requestOk(socket, 'contact:send', { email: 'bo@example.com' });
    const queued = waitForEvent(socket, 'handoff:queued', { timeout: 10_000 });
    await requestOk(socket, 'handoff:request', {});
    const { message } = (await queued) as HandoffQueued;
    expect(message.text).not.toContain(CONTACT_OFFER_TEXT);
    expect(message.suggestions).toBeUndefined();

    const notStarted: WidgetSocket = await connectWidget(t.url);
    open.push(notStarted);
    expect(await request(notStarted, 'contact:send', { email: 'cy@example.com' })).toMatchObject({ ok: false, error: { code: 'CONVERSATION_NOT_STARTED' } });

    const admin = await signIn(t, 'admin');
    expect((await callApi(t.url, 'DELETE', `/api/conversations/${conversation.conversationId}`, admin.token)).status).toBe(200);
    expect(await request(socket, 'contact:send', { email: 'bo@example.com' })).toMatchObject({ ok: false, error: { code: 'CONVERSATION_NOT_FOUND' } });
  });

  it('over the REST channel: the handoff message offers the field, POST contact keeps the address', async () => {
    const post = async (path: string, body: unknown, token?: string) => {
      const res = await fetch(`${t.url}/api/channels/rest/${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { 'x-parley-conversation-token': token } : {}) },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as any };
    };
    const first = await post('messages', { clientMessageId: crypto.randomUUID(), text: 'I want to talk to a real person please' });
    expect(first.status).toBe(200);
    const token = (first.body as RestSendResult).conversationToken!;
    expect(await post('contact', { email: 'dee@example.com' })).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
    expect(await post('contact', { email: 'nope' }, token)).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
    expect(await post('contact', { email: 'dee@example.com' }, 'x'.repeat(40))).toMatchObject({ status: 404, body: { code: 'CONVERSATION_NOT_FOUND' } });
    const left = await post('contact', { email: 'dee@example.com' }, token);
    expect(left).toMatchObject({ status: 200, body: { email: 'dee@example.com', message: { author: 'system' } } });
    const history = (await (await fetch(`${t.url}/api/channels/rest/messages`, { headers: { 'x-parley-conversation-token': token } })).json()) as RestHistoryResult;
    expect(history.status).toBe('handoff_requested');
    const system = history.messages.filter((m) => m.author === 'system');
    expect(system).toHaveLength(2);
    expect(system[0]).toMatchObject({ suggestions: [CONTACT_BUTTON] });
    expect(system[0].text).toContain(CONTACT_OFFER_TEXT);
    expect(system[1]).toMatchObject({ text: contactNotedText('dee@example.com') });
  });
});
