import { createHmac, randomUUID } from 'node:crypto';
import { createServer, IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { StartConversationResult, WebhookDeliveryView, WebhookEnvelope } from '@app/contracts';
import { ask, bootTestApp, callApi, connectWidget, makePgliteDir, removeDir, requestOk, signIn, startConversation, TestApp, TestDatabase, truncateChat, until, WidgetSocket } from '@app/testing';

/**
 * The outbound event webhook end to end on the real app and model (PGlite and PostgreSQL), against a real HTTP server
 * standing in for the operator's CRM: every conversation event is posted once, signed; a failing receiver gets the same
 * delivery again with backoff until it answers 2xx, or the delivery is given up and an admin sends it again; erasing a
 * conversation erases its undelivered events.
 */
jest.setTimeout(240_000);

const SECRET = 'event-webhook-test-secret-42';
const IDENTITY_SECRET = 'webhook-test-identity-secret';
const ANN = { id: 'cust-77', name: 'Ann Lee', email: 'ann@example.com' };
const MAX_ATTEMPTS = 3;

interface Received {
  headers: IncomingMessage['headers'];
  raw: string;
  body: WebhookEnvelope;
}

/** ok: 204 to all; flaky: 500 to the first two attempts of each delivery, then 200; down: 503 to all. */
type Mode = 'ok' | 'flaky' | 'down';

describe.each<[TestDatabase]>([['pglite'], ['postgres']])('event webhook on %s', (kind) => {
  let t: TestApp;
  let dir: string | undefined;
  let receiver: Server;
  let mode: Mode = 'ok';
  let received: Received[] = [];
  let admin: string;
  const open: WidgetSocket[] = [];

  const events = (name: string) => received.filter((r) => r.body.event === name);

  beforeAll(async () => {
    const seen = new Map<string, number>();
    receiver = createServer((req, res) => {
      let raw = '';
      req.on('data', (d: Buffer) => (raw += d.toString()));
      req.on('end', () => {
        const body = JSON.parse(raw) as WebhookEnvelope;
        received.push({ headers: req.headers, raw, body });
        const n = (seen.get(body.id) ?? 0) + 1;
        seen.set(body.id, n);
        const status = mode === 'down' ? 503 : mode === 'flaky' && n <= 2 ? 500 : mode === 'flaky' ? 200 : 204;
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/parley?token=not-for-logs`;
    dir = kind === 'pglite' ? makePgliteDir() : undefined;
    t = await bootTestApp(
      { kind, pgliteDir: dir },
      { EVENT_WEBHOOK_URL: url, EVENT_WEBHOOK_SECRET: SECRET, EVENT_WEBHOOK_MAX_ATTEMPTS: String(MAX_ATTEMPTS), EVENT_WEBHOOK_RETRY_BASE_MS: '50', WIDGET_IDENTITY_SECRET: IDENTITY_SECRET },
    );
    admin = (await signIn(t, 'admin')).token;
  });

  beforeEach(async () => {
    await t.drainTurns();
    await truncateChat(t.dataSource);
    await t.dataSource.query(`DELETE FROM "webhook_delivery"`);
    received = [];
    mode = 'ok';
  });

  afterAll(async () => {
    for (const s of open.splice(0)) s.disconnect();
    await t?.close();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
    if (dir) removeDir(dir);
  });

  const start = async () => {
    const started = await startConversation(t.url);
    open.push(started.socket);
    return started;
  };

  /** A conversation of a signed-in customer (docs/widget.md): every event of it names them. */
  const startAsAnn = async () => {
    const socket = await connectWidget(t.url);
    open.push(socket);
    const hash = createHmac('sha256', IDENTITY_SECRET).update(ANN.id).digest('hex');
    const conversation = await requestOk<StartConversationResult>(socket, 'conversation:start', { identity: { userId: ANN.id, name: ANN.name, email: ANN.email, hash } });
    return { socket, conversation };
  };

  it('posts every event of a conversation once, signed, from the first message to its erasure', async () => {
    const { socket, conversation } = await startAsAnn();
    const id = conversation.conversationId;
    const reply = await ask(socket, 'where is my order 12345');
    expect(reply.route).toBe('template');
    await requestOk(socket, 'handoff:request', {});
    const agent = await signIn(t, 'agent');
    expect((await callApi(t.url, 'POST', `/api/conversations/${id}/take`, agent.token)).status).toBe(200);
    expect((await callApi(t.url, 'POST', `/api/conversations/${id}/messages`, agent.token, { text: 'I am on it.', clientMessageId: randomUUID() })).status).toBe(200);
    expect((await callApi(t.url, 'POST', `/api/conversations/${id}/release`, agent.token)).status).toBe(200);
    await requestOk(socket, 'csat:send', { rating: 5 });

    await until('seven events', async () => received.length >= 7 && received, 20_000);
    expect(received.map((r) => r.body.event).sort()).toEqual(['csat.submitted', 'handoff.released', 'handoff.requested', 'handoff.taken', 'message.created', 'message.created', 'message.created']);
    const messages = events('message.created').map((r) => r.body.data as { conversationId: string; message: { author: string; seq: number; text: string; route?: string; intent?: string; agentName?: string } });
    expect(messages.map((m) => m.message.author).sort()).toEqual(['agent', 'bot', 'customer']);
    expect(messages.find((m) => m.message.author === 'customer')!.message.text).toBe('where is my order 12345');
    expect(messages.find((m) => m.message.author === 'bot')!.message).toMatchObject({ route: 'template', intent: 'track_order', seq: reply.seq, text: reply.text });
    expect(messages.find((m) => m.message.author === 'agent')!.message).toMatchObject({ text: 'I am on it.', agentName: agent.user.name });
    expect(events('handoff.requested')[0].body.data).toEqual({ conversationId: id, status: 'handoff_requested', agentsOnline: 0, openNow: true, customer: ANN, contactEmail: null });
    expect(events('handoff.taken')[0].body.data).toEqual({ conversationId: id, agent: { id: agent.user.id, name: agent.user.name }, customer: ANN, contactEmail: null });
    expect(events('csat.submitted')[0].body.data).toEqual({ conversationId: id, rating: 5, agentId: agent.user.id, customer: ANN, contactEmail: null });
    for (const m of events('message.created')) expect((m.body.data as { customer: unknown }).customer).toEqual(ANN);

    for (const r of received) {
      // Signed like the fulfillment webhook: HMAC-SHA256 of "<t>.<body>" with the shared secret.
      const [, ts, mac] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(r.headers['x-parley-signature']))!;
      expect(mac).toBe(createHmac('sha256', SECRET).update(`${ts}.${r.raw}`).digest('hex'));
      expect(Math.abs(Date.now() / 1000 - Number(ts))).toBeLessThan(60);
      expect(r.headers).toMatchObject({ 'x-parley-event': r.body.event, 'x-parley-delivery': r.body.id, 'x-parley-attempt': '1', 'content-type': 'application/json' });
    }
    await until('all delivered', async () => {
      const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM webhook_delivery WHERE status = 'delivered'`);
      return n === 7;
    });

    // Erasure takes the conversation's events with it; only the deletion itself is kept and sent.
    expect((await callApi(t.url, 'DELETE', `/api/conversations/${id}`, admin)).status).toBe(200);
    await until('deletion event', async () => events('conversation.deleted').length === 1);
    // Only the id: nothing of the erased conversation, its customer neither.
    expect(events('conversation.deleted')[0].body.data).toEqual({ conversationId: id });
    await until('only the deletion left', async () => {
      const rows = await t.dataSource.query(`SELECT event, status, conversation_id FROM webhook_delivery`);
      return rows.length === 1 && rows[0].status === 'delivered' && rows;
    });
    // Nothing is posted twice.
    expect(new Set(received.map((r) => r.body.id)).size).toBe(received.length);
  });

  it('sends a failed attempt again with the same delivery id until it is accepted; gives up after the last; an admin sends it again', async () => {
    mode = 'flaky';
    const { socket } = await start();
    await ask(socket, 'hello');
    await until('two delivered after retries', async () => {
      const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM webhook_delivery WHERE status = 'delivered' AND attempts = 3`);
      return n === 2;
    }, 20_000);
    const byId = new Map<string, string[]>();
    for (const r of received) byId.set(r.body.id, [...(byId.get(r.body.id) ?? []), String(r.headers['x-parley-attempt'])]);
    expect([...byId.values()]).toEqual([
      ['1', '2', '3'],
      ['1', '2', '3'],
    ]);

    mode = 'down';
    received = [];
    await ask(socket, 'thanks');
    const page = await until('given up', async () => {
      const res = await callApi<{ counts: Record<string, number>; items: WebhookDeliveryView[]; origin: string; enabled: boolean }>(t.url, 'GET', '/api/webhooks/deliveries?status=failed', admin);
      return res.body.counts.failed === 2 && res.body;
    }, 20_000);
    expect(page.enabled).toBe(true);
    // The receiver's origin only: its path and query may hold a token.
    expect(page.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(page.items).toHaveLength(2);
    for (const d of page.items) expect(d).toMatchObject({ status: 'failed', attempts: MAX_ATTEMPTS, lastStatus: 503, lastError: 'HTTP 503', event: 'message.created', nextAttemptAt: null });
    expect(received).toHaveLength(2 * MAX_ATTEMPTS);

    mode = 'ok';
    const one = page.items[0].id;
    expect(await callApi(t.url, 'POST', `/api/webhooks/deliveries/${one}/retry`, admin)).toMatchObject({ status: 200, body: { retried: 1 } });
    await until('the one sent again', async () => (await t.dataSource.query(`SELECT status FROM webhook_delivery WHERE id = $1`, [one]))[0].status === 'delivered');
    expect(await callApi(t.url, 'POST', `/api/webhooks/deliveries/${one}/retry`, admin)).toMatchObject({ status: 409, body: { code: 'WEBHOOK_NOT_FAILED' } });
    expect(await callApi(t.url, 'POST', `/api/webhooks/deliveries/${randomUUID()}/retry`, admin)).toMatchObject({ status: 404, body: { code: 'WEBHOOK_DELIVERY_NOT_FOUND' } });
    expect(await callApi(t.url, 'POST', '/api/webhooks/deliveries/retry-failed', admin)).toMatchObject({ status: 200, body: { retried: 1 } });
    await until('all delivered', async () => {
      const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM webhook_delivery WHERE status <> 'delivered'`);
      return n === 0;
    });
    const agent = await signIn(t, 'agent');
    expect((await callApi(t.url, 'GET', '/api/webhooks/deliveries', agent.token)).status).toBe(403);
  });
});
