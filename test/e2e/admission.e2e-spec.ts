import { randomUUID } from 'node:crypto';
import type { Ack, BotReply, SendMessageResult } from '@app/contracts';
import {
  bootTestApp,
  collectEvents,
  request,
  requestOk,
  startConversation,
  TestApp,
  TestDatabase,
  truncateChat,
  waitForEvent,
  WidgetSocket,
} from '@app/testing';

/**
 * Admission control end to end (real AppModule, real model, real sockets, PGlite and PostgreSQL): with a tiny
 * backlog limit, a burst of sends from many conversations is partly refused with BUSY + retryAfterMs before
 * anything is stored; resending the same clientMessageId after the hint stores each message once and gets it
 * answered once; a resend of a message that is already stored is acked, never refused.
 */
jest.setTimeout(180_000);

const BURST = 24;
const MAX_BACKLOG = 2;

type SendAck = Ack<SendMessageResult>;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each<[TestDatabase]>([['pglite'], ['postgres']])('admission control on %s', (kind) => {
  let t: TestApp;
  const sockets: WidgetSocket[] = [];

  beforeAll(async () => {
    // Age limit off: the count alone decides, so the burst below is refused by it.
    t = await bootTestApp({ kind }, { CHAT_MAX_BACKLOG: String(MAX_BACKLOG), CHAT_MAX_QUEUE_AGE_MS: '0' });
  });

  beforeEach(async () => {
    await t.drainTurns();
    await truncateChat(t.dataSource);
  });

  afterEach(() => {
    for (const s of sockets.splice(0)) s.disconnect();
  });

  afterAll(async () => {
    await t?.close();
  });

  const rowsOf = async (clientMessageIds: string[]) =>
    (await t.dataSource.query(
      `SELECT m."client_message_id" AS "cid", m."id",
              (SELECT count(*) FROM "message" r WHERE r."reply_to_id" = m."id" AND r."author" = 'bot')::int AS "replies"
         FROM "message" m WHERE m."client_message_id" = ANY($1)`,
      [clientMessageIds],
    )) as Array<{ cid: string; id: string; replies: number }>;

  /** What a client does with BUSY: waits retryAfterMs (the server's hint, plus jitter) and resends the same id. */
  const sendUntilAccepted = async (socket: WidgetSocket, payload: { clientMessageId: string; text: string }): Promise<{ ack: SendMessageResult; busy: number }> => {
    for (let busy = 0; busy < 50; busy++) {
      const ack = await request<SendMessageResult>(socket, 'message:send', payload, 20_000);
      if (ack.ok) return { ack: ack.data, busy };
      expect(ack.error.code).toBe('BUSY');
      await sleep(ack.error.retryAfterMs! * (1 + Math.random() * 0.5));
    }
    throw new Error(`still BUSY after 50 resends of ${payload.clientMessageId}`);
  };

  it('refuses over-limit sends with BUSY before storing them; resends are stored once and answered once; a stored message is never refused', async () => {
    const convs = await Promise.all(Array.from({ length: BURST }, () => startConversation(t.url)));
    for (const c of convs) sockets.push(c.socket);
    // A message stored and answered before the burst: its resend during the burst must be acked as a duplicate.
    const earlier = { clientMessageId: randomUUID(), text: 'where is my order 732201349959' };
    const replied = waitForEvent(convs[0].socket, 'bot:reply', { timeout: 30_000 });
    const first = await requestOk<SendMessageResult>(convs[0].socket, 'message:send', earlier);
    await replied;
    await t.drainTurns();

    const replies = convs.map((c) => collectEvents(c.socket, 'bot:reply'));
    const payloads = convs.map((_, i) => ({ clientMessageId: randomUUID(), text: i % 2 ? 'how do I reset my password' : 'I want to cancel my order' }));
    // All emitted in one go: the first ones are still being stored/answered when the rest arrive.
    const burst = convs.map((c, i) => request<SendMessageResult>(c.socket, 'message:send', payloads[i], 20_000));
    const resend = request<SendMessageResult>(convs[0].socket, 'message:send', earlier, 20_000);
    const acks: SendAck[] = await Promise.all(burst);

    const resent = await resend;
    expect(resent).toEqual({ ok: true, data: { messageId: first.messageId, seq: first.seq, duplicate: true } });

    const refusedIdx = acks.flatMap((a, i) => (a.ok ? [] : [i]));
    expect(refusedIdx.length).toBeGreaterThan(0);
    for (const i of refusedIdx) {
      const a = acks[i];
      if (a.ok) continue;
      expect(a.error).toEqual({ code: 'BUSY', message: expect.any(String), retryAfterMs: expect.any(Number) });
      expect(a.error.retryAfterMs).toBeGreaterThanOrEqual(250);
    }
    // Refused means not stored: no row for any of them.
    expect(await rowsOf(refusedIdx.map((i) => payloads[i].clientMessageId))).toEqual([]);

    // Each client resends what was refused, after the hint, with the same clientMessageId.
    const retried = await Promise.all(refusedIdx.map((i) => sendUntilAccepted(convs[i].socket, payloads[i])));
    expect(retried.every((r) => r.ack.duplicate === false)).toBe(true);
    await t.drainTurns();

    const rows = await rowsOf(payloads.map((p) => p.clientMessageId));
    expect(rows).toHaveLength(BURST);
    expect(rows.every((r) => r.replies === 1)).toBe(true);
    // Every client got the reply to its message live.
    const byCid = new Map(rows.map((r) => [r.cid, r.id]));
    await Promise.all(
      convs.map(async (c, i) => {
        const messageId = byCid.get(payloads[i].clientMessageId)!;
        const live = replies[i].stop().find((r: BotReply) => r.replyTo === messageId);
        if (!live) await waitForEvent(c.socket, 'bot:reply', { timeout: 30_000, filter: (r) => r.replyTo === messageId });
      }),
    );

    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    const refused = Number(/parley_admission_refused_total\{reason="backlog"\} (\d+)/.exec(metrics)?.[1] ?? 0);
    expect(refused).toBeGreaterThanOrEqual(refusedIdx.length);
    expect(metrics).toMatch(/parley_turn_backlog \d+/);
  });
});
