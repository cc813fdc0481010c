import { createHmac } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FulfillmentRequest, StartConversationResult } from '@app/contracts';
import { ask, bootTestApp, callApi, connectWidget, makePgliteDir, removeDir, request, requestOk, signIn, startConversation, TestApp, TestDatabase, truncateChat, until, waitForEvent, WidgetSocket } from '@app/testing';

/**
 * The fulfillment webhook end to end, on the real app and model (PGlite and PostgreSQL), against a real HTTP server
 * standing in for the operator's backend: a template marked `webhook` answers with what the webhook returns, signed
 * and with the filled slots; a failing, slow or silent webhook leaves the template's own text; the webhook can hand
 * over; and while one conversation waits for its webhook, the others are answered.
 */
jest.setTimeout(240_000);

const SECRET = 'fulfillment-test-secret-0123456789';
const IDENTITY_SECRET = 'identity-test-secret-9876543210';
/** What the operator's server puts in the page for a signed-in customer. */
const identity = (userId: string, extra: { name?: string; email?: string } = {}) => ({ userId, ...extra, hash: createHmac('sha256', IDENTITY_SECRET).update(userId).digest('hex') });
const TIMEOUT_MS = 3000;

interface Received {
  headers: IncomingMessage['headers'];
  raw: string;
  body: FulfillmentRequest;
}

/** What the stand-in backend does with the next requests. */
type Mode = 'answer' | 'fail' | 'hang' | 'handoff' | 'hold';

describe.each<[TestDatabase]>([['pglite'], ['postgres']])('fulfillment webhook on %s', (kind) => {
  let t: TestApp;
  let dir: string | undefined;
  let backend: Server;
  let mode: Mode = 'answer';
  let received: Received[] = [];
  let releaseHeld: (() => void) | null = null;
  const open: WidgetSocket[] = [];

  function handle(req: IncomingMessage, res: ServerResponse): void {
    let raw = '';
    req.on('data', (d: Buffer) => (raw += d.toString()));
    req.on('end', () => {
      const body = JSON.parse(raw) as FulfillmentRequest;
      received.push({ headers: req.headers, raw, body });
      const order = body.slots.order_id?.text ?? 'unknown';
      const answer = { text: `Order ${order} left our warehouse today.`, suggestions: ['Change the delivery address'] };
      const send = (status: number, payload: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
      if (mode === 'answer') send(200, answer);
      else if (mode === 'fail') send(500, { error: 'database down' });
      else if (mode === 'handoff') send(200, { text: 'This order needs a person: let me get one.', handoff: true });
      else if (mode === 'hold') releaseHeld = () => send(200, answer);
      // 'hang': never answers; the server gives up after FULFILLMENT_TIMEOUT_MS.
    });
  }

  const start = async () => {
    const started = await startConversation(t.url);
    open.push(started.socket);
    return started;
  };

  beforeAll(async () => {
    backend = createServer(handle);
    await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(backend.address() as AddressInfo).port}/parley`;
    dir = kind === 'pglite' ? makePgliteDir() : undefined;
    t = await bootTestApp({ kind, pgliteDir: dir }, { FULFILLMENT_URL: url, FULFILLMENT_SECRET: SECRET, FULFILLMENT_TIMEOUT_MS: String(TIMEOUT_MS), WIDGET_IDENTITY_SECRET: IDENTITY_SECRET });
    // The operator marks the order templates as answered by the webhook, through the REST API.
    const { token } = await signIn(t, 'admin');
    for (const intent of ['track_order', 'cancel_order']) {
      const list = await callApi(t.url, 'GET', `/api/content/templates?intent=${intent}`, token);
      const marked = await callApi(t.url, 'PATCH', `/api/content/templates/${list.body.items[0].id}`, token, { webhook: true });
      expect(marked).toMatchObject({ status: 200, body: { intent, webhook: true } });
    }
  });

  beforeEach(async () => {
    await t.drainTurns();
    await truncateChat(t.dataSource);
    mode = 'answer';
    received = [];
  });

  afterEach(() => {
    releaseHeld?.();
    releaseHeld = null;
    for (const s of open.splice(0)) s.disconnect();
  });

  afterAll(async () => {
    await t?.close();
    if (dir) removeDir(dir);
    backend?.closeAllConnections();
    await new Promise((resolve) => backend?.close(resolve));
  });

  it("answers with the webhook's text and buttons, and signs a request that carries the intent and the filled slot", async () => {
    const { socket, conversation } = await start();
    const reply = await ask(socket, 'where is my order 12345');
    expect(reply).toMatchObject({ route: 'template', intent: 'track_order', text: 'Order 12345 left our warehouse today.' });
    expect(reply.suggestions).toEqual([{ text: 'Change the delivery address', action: 'message:send' }]);

    expect(received).toHaveLength(1);
    const [{ headers, raw, body }] = received;
    expect(body).toMatchObject({
      version: 1,
      conversationId: conversation.conversationId,
      messageId: reply.replyTo,
      text: 'where is my order 12345',
      intent: { name: 'track_order', confidence: expect.any(Number) },
      // The slot's normalised value too, as a template would use it.
      slots: { order_id: { text: '12345', value: { kind: 'identifier', value: '12345' } } },
    });
    expect(body.intent.confidence).toBeCloseTo(reply.confidence!, 3);
    expect(body.entities).toEqual([expect.objectContaining({ label: 'order_id', text: '12345' })]);
    // The receiver recomputes the signature over "<t>.<body>" with the shared secret.
    const [, ts, mac] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(headers['x-parley-signature'] as string)!;
    expect(mac).toBe(createHmac('sha256', SECRET).update(`${ts}.${raw}`).digest('hex'));
    expect(Math.abs(Number(ts) - Date.now() / 1000)).toBeLessThan(60);
    // The stored reply is the one sent: a reload shows the same text.
    const rows = await t.dataSource.query(`SELECT "text", "route" FROM "message" WHERE "id" = $1`, [reply.messageId]);
    expect(rows[0]).toEqual({ text: 'Order 12345 left our warehouse today.', route: 'template' });
  });

  it('tells the webhook and the agents who the signed-in customer is', async () => {
    const socket = await connectWidget(t.url);
    open.push(socket);
    const started = await requestOk<StartConversationResult>(socket, 'conversation:start', { identity: identity('cust-1001', { name: 'Ann Lee', email: 'Ann@Example.com' }) });
    const [row] = await t.dataSource.query(`SELECT customer_id, customer_name, customer_email FROM conversation WHERE id = $1`, [started.conversationId]);
    expect(row).toEqual({ customer_id: 'cust-1001', customer_name: 'Ann Lee', customer_email: 'ann@example.com' });
    await ask(socket, 'where is my order 12345');
    expect(received.map((r) => r.body.customer)).toEqual([{ id: 'cust-1001', name: 'Ann Lee', email: 'ann@example.com' }]);

    // Agents see who it is, and find the customer's conversations.
    const { token: agent } = await signIn(t, 'agent');
    const list = await callApi(t.url, 'GET', '/api/conversations?customerId=cust-1001', agent);
    expect(list.body).toMatchObject({ total: 1, items: [{ id: started.conversationId, customer: { id: 'cust-1001', name: 'Ann Lee' } }] });
    await requestOk(socket, 'handoff:request', {});
    const queue = await callApi(t.url, 'GET', '/api/handoffs', agent);
    expect(queue.body.find((h: { conversationId: string }) => h.conversationId === started.conversationId).customer).toEqual({ id: 'cust-1001', name: 'Ann Lee', email: 'ann@example.com' });
  });

  it('takes only a signed identity, never hands one customer\'s conversation to another, and lets an anonymous one become the customer\'s', async () => {
    const socket = await connectWidget(t.url);
    open.push(socket);
    const forged = await request(socket, 'conversation:start', { identity: { userId: 'cust-1', hash: identity('cust-2').hash } });
    expect(forged).toMatchObject({ ok: false, error: { code: 'IDENTITY_INVALID' } });
    expect(await request(socket, 'conversation:start', { identity: { userId: 'cust-1', hash: 'not-hex' } })).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });

    // Anonymous first, then the visitor signs in on the site: the same conversation becomes theirs, history kept.
    const anonymous = await requestOk<StartConversationResult>(socket, 'conversation:start', {});
    await ask(socket, 'hello');
    const adopted = await requestOk<StartConversationResult>(socket, 'conversation:start', { token: anonymous.token, identity: identity('cust-1', { name: 'Bo' }) });
    expect(adopted).toMatchObject({ conversationId: anonymous.conversationId, resumed: true });
    expect(adopted.messages.map((m) => m.author)).toEqual(['customer', 'bot']);
    // Someone else signs in on the same computer: that conversation is not theirs.
    const other = await request(socket, 'conversation:start', { token: anonymous.token, identity: identity('cust-2') });
    expect(other).toMatchObject({ ok: false, error: { code: 'IDENTITY_MISMATCH' } });
    const [row] = await t.dataSource.query(`SELECT customer_id, customer_name FROM conversation WHERE id = $1`, [anonymous.conversationId]);
    expect(row).toEqual({ customer_id: 'cust-1', customer_name: 'Bo' });
    // The socket is still usable.
    expect((await requestOk<StartConversationResult>(socket, 'conversation:start', { identity: identity('cust-2') })).resumed).toBe(false);
  });

  it('asks for the missing order number first, and calls the webhook once it is given', async () => {
    const { socket } = await start();
    const question = await ask(socket, 'I want to cancel my order');
    expect(question).toMatchObject({ route: 'slot_prompt', intent: 'cancel_order' });
    expect(received).toHaveLength(0);
    const answer = await ask(socket, '98765432');
    expect(answer.text).toBe('Order 98765432 left our warehouse today.');
    // The intent fulfilled is the question's, not what the model made of a bare number.
    expect(received.map((r) => [r.body.intent, r.body.slots.order_id?.text])).toEqual([[{ name: 'cancel_order', confidence: null }, '98765432']]);
  });

  it("sends the template's own text when the webhook fails or does not answer in time, and counts both", async () => {
    const { socket } = await start();
    mode = 'fail';
    const failed = await ask(socket, 'where is my order 55512');
    expect(failed).toMatchObject({ route: 'template', intent: 'track_order' });
    expect(failed.text).toContain('55512');
    expect(failed.text).not.toContain('left our warehouse');

    mode = 'hang';
    const slow = await ask(socket, 'where is my order 66613');
    expect(slow.text).toContain('66613');
    expect(slow.text).not.toContain('left our warehouse');
    expect(received).toHaveLength(2);

    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(metrics).toMatch(/parley_fulfillment_calls_total\{outcome="http_status"\} [1-9]/);
    expect(metrics).toMatch(/parley_fulfillment_calls_total\{outcome="timeout"\} [1-9]/);
  });

  it('hands the conversation to a person when the webhook asks to', async () => {
    const { socket, conversation } = await start();
    mode = 'handoff';
    const queued = waitForEvent(socket, 'handoff:queued', { timeout: 20_000 });
    const reply = await ask(socket, 'where is my order 77714');
    expect(reply.text).toBe('This order needs a person: let me get one.');
    expect(await queued).toMatchObject({ conversationId: conversation.conversationId, status: 'handoff_requested' });
  });

  it('answers other conversations while one waits for its webhook', async () => {
    mode = 'hold';
    const waiting = await start();
    const pending = ask(waiting.socket, 'where is my order 88815');
    await until('the webhook to be called', async () => received.length === 1, 20_000, 20);

    const other = await start();
    const hello = await ask(other.socket, 'hi');
    expect(hello).toMatchObject({ route: 'template', intent: 'greet' });
    // The held request is still open: the other conversation did not wait for it.
    expect(releaseHeld).not.toBeNull();
    releaseHeld!();
    releaseHeld = null;
    expect((await pending).text).toBe('Order 88815 left our warehouse today.');
  });
});
