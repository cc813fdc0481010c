import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { io } from 'socket.io-client';
import { WIDGET_NAMESPACE } from '@app/contracts';
import { bootTestApp, makePgliteDir, removeDir, request, requestOk, startConversation, TestApp, WidgetSocket } from '@app/testing';

/**
 * Origin allow-list, rate limits and payload limits on the real app: one instance on PGlite with the in-process
 * limiter, then two instances on PostgreSQL sharing their per-IP limits through the real Redis.
 */
jest.setTimeout(180_000);

const REDIS_URL = process.env.TEST_REDIS_URL ? `${process.env.TEST_REDIS_URL.replace(/\/\d*$/, '')}/6` : 'redis://127.0.0.1:6379/6';
const WINDOW_SECONDS = 2;

/** Opens a widget socket with an optional Origin header; resolves with it, or with the connect error. */
function open(url: string, origin?: string): Promise<{ socket: WidgetSocket; error?: undefined } | { socket?: undefined; error: Error & { data?: any } }> {
  const socket = io(`${url}${WIDGET_NAMESPACE}`, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    timeout: 10_000,
    extraHeaders: origin ? { origin } : undefined,
  }) as unknown as WidgetSocket;
  return new Promise((resolve) => {
    socket.once('connect', () => resolve({ socket }));
    socket.once('connect_error', (error: Error) => {
      socket.disconnect();
      resolve({ error });
    });
  });
}

/**
 * The limits count per time window; the only way to see a window end is to let it end. The wait is the
 * server's own `retryAfterMs`, not a guess.
 */
const waitForWindow = (ms: number) => new Promise((r) => setTimeout(r, ms + 100));

describe('security limits, one instance (PGlite, in-process limiter)', () => {
  let t: TestApp;
  let dir: string;
  const sockets: WidgetSocket[] = [];

  beforeAll(async () => {
    dir = makePgliteDir();
    t = await bootTestApp(
      { kind: 'pglite', pgliteDir: dir },
      {
        CORS_ORIGINS: 'self,localhost,https://shop.example.com',
        RATE_LIMIT_MESSAGES_PER_MINUTE: '3',
        RATE_LIMIT_EVENTS_PER_MINUTE: '8',
        RATE_LIMIT_WINDOW_SECONDS: String(WINDOW_SECONDS),
        MAX_PAYLOAD_BYTES: '4096',
      },
    );
  });

  afterEach(() => {
    for (const s of sockets.splice(0)) s.disconnect();
  });

  afterAll(async () => {
    await t?.close();
    removeDir(dir);
  });

  it('refuses a websocket from an origin outside CORS_ORIGINS, and accepts allowed ones and non-browsers', async () => {
    const evil = await open(t.url, 'https://evil.example');
    expect(evil.socket).toBeUndefined();
    expect(evil.error).toBeDefined();
    const lookAlike = await open(t.url, 'https://shop.example.com.evil.example');
    expect(lookAlike.error).toBeDefined();

    for (const origin of ['https://shop.example.com', 'http://localhost:5173', undefined]) {
      const ok = await open(t.url, origin);
      expect(ok.error).toBeUndefined();
      sockets.push(ok.socket!);
      const start = await request(ok.socket!, 'conversation:start', {});
      expect(start.ok).toBe(true);
    }
  });

  it('refuses the polling handshake from a disallowed origin with 403, and sends no CORS grant to it', async () => {
    const polling = await fetch(`${t.url}/socket.io/?EIO=4&transport=polling`, { headers: { origin: 'https://evil.example' } });
    expect(polling.status).toBe(403);
    const rest = await fetch(`${t.url}/health`, { headers: { origin: 'https://evil.example' } });
    expect(rest.headers.get('access-control-allow-origin')).toBeNull();
    const allowed = await fetch(`${t.url}/health`, { headers: { origin: 'https://shop.example.com' } });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://shop.example.com');
  });

  it('limits REST-channel messages per conversation like a socket\'s, before storing them', async () => {
    const post = async (text: string, token?: string) => {
      const res = await fetch(`${t.url}/api/channels/rest/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { 'x-parley-conversation-token': token } : {}) },
        body: JSON.stringify({ clientMessageId: randomUUID(), text }),
      });
      return { status: res.status, body: (await res.json()) as { conversationId: string; conversationToken?: string; code?: string } };
    };
    const first = await post('hello');
    expect(first.status).toBe(200);
    const token = first.body.conversationToken!;
    for (let i = 0; i < 3; i++) expect((await post(`more ${i}`, token)).status).toBe(200);
    const refused = await post('one too many', token);
    expect(refused).toMatchObject({ status: 429, body: { code: 'RATE_LIMITED', message: expect.stringContaining('RATE_LIMIT_MESSAGES_PER_MINUTE') } });
    const stored = await t.dataSource.query(`SELECT count(*)::int AS n FROM message WHERE conversation_id = $1 AND author = 'customer'`, [first.body.conversationId]);
    expect(stored).toEqual([{ n: 4 }]);
    // Another conversation has its own budget.
    expect((await post('hi')).status).toBe(200);
  });

  it('refuses the message over the per-connection limit before storing it; the same socket works after the window', async () => {
    const { socket, conversation } = await startConversation(t.url);
    sockets.push(socket);
    for (let i = 0; i < 3; i++) await requestOk(socket, 'message:send', { clientMessageId: randomUUID(), text: `hello ${i}` });
    const refusedId = randomUUID();
    const refused = await request(socket, 'message:send', { clientMessageId: refusedId, text: 'one too many' });
    expect(refused).toEqual({ ok: false, error: { code: 'RATE_LIMITED', message: expect.stringContaining('RATE_LIMIT_MESSAGES_PER_MINUTE'), retryAfterMs: expect.any(Number) } });
    const retryAfterMs = (refused as { error: { retryAfterMs: number } }).error.retryAfterMs;
    expect(retryAfterMs).toBeGreaterThan(0);
    expect(retryAfterMs).toBeLessThanOrEqual(WINDOW_SECONDS * 1000);
    // Refused before the commit: the message is not in the database, so resending it later is not a duplicate.
    const stored = await t.dataSource.query(`SELECT count(*)::int AS n FROM message WHERE conversation_id = $1 AND client_message_id = $2`, [conversation.conversationId, refusedId]);
    expect(stored[0].n).toBe(0);

    await waitForWindow(retryAfterMs);
    const resent = await requestOk<{ duplicate: boolean }>(socket, 'message:send', { clientMessageId: refusedId, text: 'one too many' });
    expect(resent.duplicate).toBe(false);
    await t.drainTurns();
  });

  it('limits any event per connection (typing floods), answering through the ack or an error event', async () => {
    const { socket } = await startConversation(t.url);
    sockets.push(socket);
    const acks = [];
    for (let i = 0; i < 8; i++) acks.push(await request(socket, 'typing:start'));
    // conversation:start counted as one: 9 events so far, the limit is 8.
    expect(acks.filter((a) => a.ok)).toHaveLength(7);
    expect(acks[7]).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED' } });
    const errorEvent = new Promise<{ code: string }>((resolve) => (socket as any).once('error', resolve));
    socket.emit('typing:stop');
    expect(await errorEvent).toMatchObject({ code: 'RATE_LIMITED', retryAfterMs: expect.any(Number) });
    expect(socket.connected).toBe(true);
  });

  it('answers an oversized HTTP body with 413 JSON and closes an oversized socket packet without harm', async () => {
    const res = await fetch(`${t.url}/api/content/articles`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'x'.repeat(10_000) }),
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ code: 'PAYLOAD_TOO_LARGE', message: expect.any(String) });

    const { socket } = await startConversation(t.url);
    const closed = new Promise<string>((resolve) => socket.once('disconnect', resolve));
    socket.emit('message:send', { clientMessageId: randomUUID(), text: 'y'.repeat(10_000) });
    expect(await closed).toBe('transport close');
    // The server carries on.
    const again = await startConversation(t.url);
    sockets.push(again.socket);
    expect(again.conversation.resumed).toBe(false);
  });

  it('answers unknown events, over-deep payloads and text that is not Unicode with typed errors', async () => {
    const { socket } = await startConversation(t.url);
    sockets.push(socket);
    expect(await request(socket, 'no:such-event' as 'typing:start')).toMatchObject({ ok: false, error: { code: 'UNKNOWN_EVENT' } });
    let deep: unknown = 'x';
    // 100 levels: far past the limit, still under this app's 4 KiB packet cap.
    for (let i = 0; i < 100; i++) deep = { text: deep };
    expect(await request(socket, 'message:send', deep)).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED', message: expect.stringContaining('nested deeper') } });
    const lone = await request(socket, 'message:send', { clientMessageId: randomUUID(), text: 'broken \uD800 text' });
    expect(lone).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED', message: expect.stringContaining('not valid Unicode') } });

    const body = `${'['.repeat(1500)}1${']'.repeat(1500)}`; // under this app's 4 KiB body cap
    const res = await fetch(`${t.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringContaining('nested deeper') });
  });

  it('refuses every agent and admin route and namespace without a valid token; only the declared public ones answer', async () => {
    // A route added later without a guard fails here until it is declared public on purpose.
    const PUBLIC = new Set(['POST /api/auth/login', 'GET /health', 'GET /ready', 'GET /api/help/articles/{id}', 'POST /api/channels/rest/messages', 'GET /api/channels/rest/messages', 'POST /api/channels/rest/csat', 'POST /api/channels/rest/contact']);
    const doc = (await (await fetch(`${t.url}/docs-json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    const routes = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    expect(routes.length).toBeGreaterThan(30);
    const open: string[] = [];
    for (const route of routes.filter((r) => !PUBLIC.has(r))) {
      const [method, path] = route.split(' ');
      const url = `${t.url}${path.replace(/\{[^}]+\}/g, randomUUID())}`;
      for (const authorization of [undefined, 'Bearer not-a-real-token', `Bearer ${'a'.repeat(43)}`]) {
        const res = await fetch(url, { method, headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) }, body: method === 'GET' ? undefined : '{}' });
        const body = (await res.json()) as { code?: string };
        if (res.status !== 401 || body.code !== 'UNAUTHENTICATED') open.push(`${route} (${authorization ?? 'no token'}): ${res.status} ${body.code}`);
      }
    }
    expect(open).toEqual([]);

    for (const namespace of ['/agent', '/admin']) {
      for (const auth of [undefined, { token: 'not-a-real-token' }]) {
        const socket = io(`${t.url}${namespace}`, { transports: ['websocket'], reconnection: false, forceNew: true, auth });
        const error = await new Promise<Error & { data?: { code?: string } }>((resolve, reject) => {
          socket.once('connect', () => reject(new Error(`${namespace} accepted ${JSON.stringify(auth)}`)));
          socket.once('connect_error', resolve);
        });
        socket.disconnect();
        expect(error.data?.code).toBe('UNAUTHENTICATED');
      }
    }
  });

  it('sets the security headers on every response', async () => {
    const res = await fetch(`${t.url}/health`);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('x-powered-by')).toBeNull();
  });
});

describe('per-IP limits shared by two instances through Redis (PostgreSQL)', () => {
  let a: TestApp;
  let b: TestApp;
  let redis: Redis;
  const sockets: WidgetSocket[] = [];
  const env = {
    REDIS_URL,
    RATE_LIMIT_CONNECTIONS_PER_MINUTE_PER_IP: '3',
    RATE_LIMIT_HTTP_PER_MINUTE_PER_IP: '5',
    RATE_LIMIT_WINDOW_SECONDS: String(WINDOW_SECONDS),
  };

  beforeAll(async () => {
    redis = new Redis(REDIS_URL);
    // Booted one after the other: both migrate the same database at boot.
    a = await bootTestApp({ kind: 'postgres' }, env);
    b = await bootTestApp({ kind: 'postgres' }, env);
  });

  beforeEach(async () => {
    await redis.flushdb();
  });

  afterEach(() => {
    for (const s of sockets.splice(0)) s.disconnect();
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await redis?.quit();
  });

  it('counts connections from one IP across both instances; a refused client gets RATE_LIMITED and may connect after the window', async () => {
    for (const url of [a.url, b.url, a.url]) {
      const ok = await open(url);
      expect(ok.error).toBeUndefined();
      sockets.push(ok.socket!);
    }
    const refused = await open(b.url);
    expect(refused.error?.data).toEqual({ code: 'RATE_LIMITED', message: expect.stringContaining('RATE_LIMIT_CONNECTIONS_PER_MINUTE_PER_IP'), retryAfterMs: expect.any(Number) });
    // The sockets that were let in keep working.
    expect((await request(sockets[0], 'conversation:start', {})).ok).toBe(true);

    await waitForWindow(refused.error!.data.retryAfterMs);
    const later = await open(b.url);
    expect(later.error).toBeUndefined();
    sockets.push(later.socket!);
  });

  it('counts REST requests from one IP across both instances: 429 JSON with Retry-After; health probes are exempt', async () => {
    const statuses = [];
    for (const url of [a.url, b.url, a.url, b.url, a.url]) statuses.push((await fetch(`${url}/api/content/templates?limit=1`)).status);
    expect(statuses.every((s) => s !== 429)).toBe(true);
    const refused = await fetch(`${b.url}/api/content/templates?limit=1`);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const body = (await refused.json()) as { retryAfterMs: number };
    expect(body).toEqual({ code: 'RATE_LIMITED', message: expect.stringContaining('RATE_LIMIT_HTTP_PER_MINUTE_PER_IP'), retryAfterMs: expect.any(Number) });
    expect((await fetch(`${a.url}/health`)).status).toBe(200);

    await waitForWindow(body.retryAfterMs);
    expect((await fetch(`${a.url}/api/content/templates?limit=1`)).status).not.toBe(429);
  });

  it('keeps limiting on its own counters while Redis is unreachable', async () => {
    const c = await bootTestApp({ kind: 'postgres' }, { ...env, REDIS_URL: 'redis://127.0.0.1:1/6' });
    try {
      const statuses = [];
      for (let i = 0; i < 6; i++) statuses.push((await fetch(`${c.url}/api/content/templates?limit=1`)).status);
      expect(statuses.slice(0, 5).every((s) => s !== 429)).toBe(true);
      expect(statuses[5]).toBe(429);
    } finally {
      await c.close();
    }
  });
});
