import { ChildProcess, spawn } from 'node:child_process';
import { AddressInfo, createServer } from 'node:net';
import { createServer as createHttpServer, Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { BotReply, HandoffQueued, MessageView, SendMessageResult, WebhookEnvelope } from '@app/contracts';
import { CONTACT_OFFER_TEXT, HANDOFF_AWAY_TEXT, HANDOFF_TEXT } from '@app/conversation';
import { TurnRepository } from '@app/database';
import {
  bootTestApp,
  collectEvents,
  connectAgent,
  request,
  requestOk,
  signIn,
  startConversation,
  TestApp,
  truncateChat,
  until,
  waitForEvent,
  WidgetSocket,
} from '@app/testing';

/**
 * Several server instances on one PostgreSQL and one Redis (issue #6): socket.io's Redis adapter carries a
 * conversation's events to its sockets on any instance, and the turn's database lock keeps a conversation's
 * answers in order and exactly once whichever instance took each message.
 */
jest.setTimeout(300_000);

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0';
const SEND_TIMEOUT = 30_000;

interface Row {
  id: string;
  seq: number;
  author: string;
  reply_to_id: string | null;
}

/** Waits until `n` events were collected (each new one within `timeout`). */
async function collected<T>(socket: WidgetSocket, events: T[], n: number, timeout = SEND_TIMEOUT): Promise<T[]> {
  while (events.length < n) await waitForEvent(socket, 'bot:reply', { timeout });
  return events;
}

async function send(socket: WidgetSocket, text: string, clientMessageId: string = randomUUID()): Promise<SendMessageResult> {
  return requestOk<SendMessageResult>(socket, 'message:send', { clientMessageId, text }, SEND_TIMEOUT);
}

async function rows(t: TestApp, conversationId: string): Promise<Row[]> {
  const r: Array<Row & { seq: string | number }> = await t.dataSource.query(
    `SELECT "id", "seq", "author", "reply_to_id" FROM "message" WHERE "conversation_id" = $1 ORDER BY "seq"`,
    [conversationId],
  );
  return r.map((m) => ({ ...m, seq: Number(m.seq) }));
}

/** Every customer message has exactly one bot reply, and replies come in the order of the messages they answer. */
function expectAnsweredInOrderOnce(messages: Row[]): void {
  const customer = messages.filter((m) => m.author === 'customer');
  const replies = messages.filter((m) => m.author === 'bot');
  const seqOf = new Map(messages.map((m) => [m.id, m.seq]));
  expect(replies.map((r) => r.reply_to_id).sort()).toEqual(customer.map((c) => c.id).sort());
  const answeredSeqs = replies.map((r) => seqOf.get(r.reply_to_id!)!);
  expect(answeredSeqs).toEqual([...answeredSeqs].sort((x, y) => x - y));
  for (const r of replies) expect(r.seq).toBeGreaterThan(seqOf.get(r.reply_to_id!)!);
}

describe('two instances on PostgreSQL + Redis', () => {
  let a: TestApp;
  let b: TestApp;
  const sockets: WidgetSocket[] = [];
  // No sweeper here: a turn that is not answered on its own must fail these tests, not be rescued later.
  const env: Record<string, string> = { REDIS_URL, TURN_SWEEP_INTERVAL_SECONDS: '0', EVENT_WEBHOOK_SECRET: 'scale-test-webhook-secret' };
  // Both instances send the event webhook's outbox to this receiver.
  let receiver: Server;
  const hooks: WebhookEnvelope[] = [];

  const open = async (t: TestApp, payload: { token?: string; lastSeq?: number } = {}) => {
    const started = await startConversation(t.url, payload);
    sockets.push(started.socket);
    return started;
  };

  beforeAll(async () => {
    receiver = createHttpServer((req, res) => {
      let raw = '';
      req.on('data', (d: Buffer) => (raw += d.toString()));
      req.on('end', () => {
        hooks.push(JSON.parse(raw) as WebhookEnvelope);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    env.EVENT_WEBHOOK_URL = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
    // One after the other: both migrate the same database at boot.
    a = await bootTestApp({ kind: 'postgres' }, env);
    b = await bootTestApp({ kind: 'postgres' }, env);
  });

  beforeEach(async () => {
    await truncateChat(a.dataSource);
  });

  afterEach(async () => {
    for (const s of sockets.splice(0)) s.disconnect();
    await Promise.all([a.drainTurns(), b.drainTurns()]);
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  });

  it('delivers a reply produced on one instance to the conversation socket on the other', async () => {
    const onA = await open(a);
    const onB = await open(b, { token: onA.conversation.token });
    const replyOnA = waitForEvent(onA.socket, 'bot:reply', { timeout: SEND_TIMEOUT });
    const sent = await send(onB.socket, 'where is my order 732201349959');
    const reply = await replyOnA;
    expect(reply.replyTo).toBe(sent.messageId);
    expect(reply.route).toBe('template');
    const ready = (await (await fetch(`${a.url}/ready`)).json()) as { checks: { redis: string } };
    expect(ready.checks.redis).toBe('up');
  });

  it('tells a customer asking for a person whether an agent console is open on any instance', async () => {
    const handOff = async () => {
      const { socket } = await open(a);
      const queued = waitForEvent(socket, 'handoff:queued', { timeout: SEND_TIMEOUT });
      await requestOk(socket, 'handoff:request', {});
      return ((await queued) as HandoffQueued).message.text;
    };
    expect(await handOff()).toBe(`${HANDOFF_AWAY_TEXT} ${CONTACT_OFFER_TEXT}`);
    // The console is on the other instance: instance a learns of it through the Redis adapter.
    const console_ = await connectAgent(b.url, (await signIn(b, 'agent')).token);
    try {
      expect(await handOff()).toBe(HANDOFF_TEXT);
    } finally {
      console_.disconnect();
    }
  });

  it('resumes on the other instance mid-conversation: full history in order, nothing lost or repeated', async () => {
    const first = await open(a);
    const token = first.conversation.token!;
    for (const text of ['I want to cancel my order', '12345678']) {
      const reply = waitForEvent(first.socket, 'bot:reply', { timeout: SEND_TIMEOUT });
      await send(first.socket, text);
      await reply;
    }
    first.socket.disconnect();

    const resumed = await open(b, { token, lastSeq: 0 });
    expect(resumed.conversation.resumed).toBe(true);
    expect(resumed.conversation.messages.map((m: MessageView) => m.seq)).toEqual([1, 2, 3, 4]);
    const onB = waitForEvent(resumed.socket, 'bot:reply', { timeout: SEND_TIMEOUT });
    const sent = await send(resumed.socket, 'how do I reset my password');
    expect((await onB).replyTo).toBe(sent.messageId);

    const back = await open(a, { token, lastSeq: 4 });
    expect(back.conversation.messages.map((m: MessageView) => m.seq)).toEqual([5, 6]);
    const all = await rows(a, first.conversation.conversationId);
    expect(all.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expectAnsweredInOrderOnce(all);
  });

  it('answers concurrent sends of one conversation through both instances in seq order, each exactly once', async () => {
    const onA = await open(a);
    const onB = await open(b, { token: onA.conversation.token });
    const seen = collectEvents(onA.socket, 'bot:reply');
    const texts = ['where is my order 732201349959', 'I want to cancel my order', '12345678', 'how do I reset my password', 'hello there'];
    const n = 12;
    // Also resend two of them through the other instance: stored once, answered once.
    const ids = Array.from({ length: n }, () => randomUUID());
    const acks = await Promise.all([
      ...ids.map((id, i) => send(i % 2 === 0 ? onA.socket : onB.socket, texts[i % texts.length], id)),
      send(onB.socket, texts[0], ids[0]),
      send(onA.socket, texts[1], ids[1]),
    ]);
    expect(acks.filter((ack) => ack.duplicate)).toHaveLength(2);
    const replies = await collected(onA.socket, seen.events, n);
    seen.stop();
    expect(new Set(replies.map((r) => r.messageId)).size).toBe(n);
    const all = await rows(a, onA.conversation.conversationId);
    expect(all.filter((m) => m.author === 'customer')).toHaveLength(n);
    expectAnsweredInOrderOnce(all);
  });

  it('posts each event webhook delivery once although both instances send from the one outbox', async () => {
    const onA = await open(a);
    const onB = await open(b, { token: onA.conversation.token });
    const conversationId = onA.conversation.conversationId;
    const seen = collectEvents(onA.socket, 'bot:reply');
    const n = 10;
    await Promise.all(Array.from({ length: n }, (_, i) => send(i % 2 === 0 ? onA.socket : onB.socket, `hello number ${i}`)));
    await collected(onA.socket, seen.events, n);
    seen.stop();
    const mine = () => hooks.filter((h) => (h.data as { conversationId?: string }).conversationId === conversationId);
    await until('every message posted', async () => mine().length >= 2 * n, SEND_TIMEOUT);
    await until('all marked delivered', async () => {
      const [{ left }] = await a.dataSource.query(`SELECT count(*)::int AS left FROM webhook_delivery WHERE conversation_id = $1 AND status <> 'delivered'`, [conversationId]);
      return left === 0;
    });
    const events = mine();
    expect(events).toHaveLength(2 * n);
    expect(new Set(events.map((e) => e.id)).size).toBe(2 * n);
    const messages = events.map((e) => (e.data as { message: { messageId: string; author: string } }).message);
    expect(new Set(messages.map((m) => m.messageId)).size).toBe(2 * n);
    expect(messages.filter((m) => m.author === 'customer')).toHaveLength(n);
    const [{ attempts }] = await a.dataSource.query(`SELECT max(attempts)::int AS attempts FROM webhook_delivery WHERE conversation_id = $1`, [conversationId]);
    expect(attempts).toBe(1);
  });

  it('answers a message whose instance stopped before answering it (the sweeper of another instance), exactly once', async () => {
    const c = await bootTestApp({ kind: 'postgres' }, { REDIS_URL, TURN_SWEEP_INTERVAL_SECONDS: '1', TURN_SWEEP_AFTER_SECONDS: '1' });
    try {
      const onB = await open(b);
      const replyOnB = waitForEvent(onB.socket, 'bot:reply', { timeout: SEND_TIMEOUT });
      // Stored like message:send does, but no turn is queued: what an instance that dies right after the ack leaves.
      const stored = await a.app.get(TurnRepository).appendInbound(onB.conversation.conversationId, randomUUID(), 'how do I reset my password');
      expect(stored.kind).toBe('stored');
      const reply = await replyOnB;
      expect(reply.replyTo).toBe(stored.kind === 'stored' ? stored.message.id : null);
      await c.drainTurns();
      expectAnsweredInOrderOnce(await rows(a, onB.conversation.conversationId));
    } finally {
      await c.close();
    }
  });

  it('keeps answering after PostgreSQL dropped every connection: the instance stays up, a refused send is typed and resent', async () => {
    const onA = await open(a);
    const first = waitForEvent(onA.socket, 'bot:reply', { timeout: SEND_TIMEOUT });
    await send(onA.socket, 'hello there');
    await first;
    // What a PostgreSQL restart does to the pools (only this test database's connections).
    await b.dataSource.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`);

    const clientMessageId = randomUUID();
    let sent: SendMessageResult | null = null;
    const refusals: string[] = [];
    for (let attempt = 0; attempt < 5 && !sent; attempt++) {
      const ack = await request<SendMessageResult>(onA.socket, 'message:send', { clientMessageId, text: 'how do I reset my password' }, SEND_TIMEOUT);
      if (ack.ok) sent = ack.data;
      else refusals.push(ack.error.code);
    }
    // A send that hit a dropped connection is refused as DB_UNAVAILABLE (never a 500), and the resend goes through.
    expect(refusals.every((code) => code === 'DB_UNAVAILABLE')).toBe(true);
    expect(sent).not.toBeNull();
    await waitForEvent(onA.socket, 'bot:reply', { timeout: SEND_TIMEOUT, filter: (r: BotReply) => r.replyTo === sent!.messageId });
    expectAnsweredInOrderOnce(await rows(a, onA.conversation.conversationId));
    expect((await fetch(`${a.url}/ready`)).status).toBe(200);
  });
});

describe('one instance without a reachable Redis', () => {
  it('still serves its own sockets, and readiness reports Redis down without failing', async () => {
    const t = await bootTestApp({ kind: 'postgres' }, { REDIS_URL: 'redis://127.0.0.1:1/4', TURN_SWEEP_INTERVAL_SECONDS: '0' });
    const { socket, conversation: started } = await startConversation(t.url);
    try {
      const reply = waitForEvent(socket, 'bot:reply', { timeout: SEND_TIMEOUT });
      const sent = await send(socket, 'where is my order 732201349959');
      expect((await reply).replyTo).toBe(sent.messageId);
      const res = await fetch(`${t.url}/ready`);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { checks: { redis: string } }).checks.redis).toBe('down');
      expectAnsweredInOrderOnce(await rows(t, started.conversationId));
    } finally {
      socket.disconnect();
      await t.close();
    }
  });

  it('without REDIS_URL: no adapter, readiness says redis off', async () => {
    const t = await bootTestApp({ kind: 'postgres' }, { TURN_SWEEP_INTERVAL_SECONDS: '0' });
    try {
      const { socket } = await startConversation(t.url);
      const reply = waitForEvent(socket, 'bot:reply', { timeout: SEND_TIMEOUT });
      const sent = await send(socket, 'how do I reset my password');
      expect((await reply).replyTo).toBe(sent.messageId);
      socket.disconnect();
      expect(((await (await fetch(`${t.url}/ready`)).json()) as { checks: { redis: string } }).checks.redis).toBe('off');
    } finally {
      await t.close();
    }
  });
});

describe('Redis away for longer than a command may wait, then back', () => {
  it('keeps the rooms joined meanwhile: once Redis returns they hear the other instances, and nothing was thrown', async () => {
    const port = await freePort();
    const url = `redis://127.0.0.1:${port}/0`;
    const env = { REDIS_URL: url, TURN_SWEEP_INTERVAL_SECONDS: '0' };
    const a = await bootTestApp({ kind: 'postgres' }, env);
    let b: TestApp | undefined;
    let redis: ChildProcess | undefined;
    const sockets: WidgetSocket[] = [];
    try {
      // Joined while nothing listens on the port: the room's subscription waits in the subscriber's queue.
      const onA = await startConversation(a.url);
      sockets.push(onA.socket);
      // ioredis gives up on a queued command after 20 reconnect attempts (about 21 s at our backoff); the outage
      // must outlast that. Nothing can be observed from outside meanwhile, so this one waits on the clock.
      await new Promise((r) => setTimeout(r, 23_000));
      redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
      await until('Redis to be up again', async () => ((await (await fetch(`${a.url}/ready`)).json()) as { checks: { redis: string } }).checks.redis === 'up', 15_000);
      b = await bootTestApp({ kind: 'postgres' }, env);
      const onB = await startConversation(b.url, { token: onA.conversation.token });
      sockets.push(onB.socket);
      const replyOnA = waitForEvent(onA.socket, 'bot:reply', { timeout: SEND_TIMEOUT });
      const sent = await send(onB.socket, 'where is my order 732201349959');
      expect((await replyOnA).replyTo).toBe(sent.messageId);
    } finally {
      for (const s of sockets) s.disconnect();
      await b?.close();
      await a.close();
      redis?.kill();
    }
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
