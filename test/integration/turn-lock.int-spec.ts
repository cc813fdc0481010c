import { randomUUID } from 'node:crypto';
import { DatabaseHandle, openDatabase, TurnRepository } from '@app/database';
import { DEFAULT_TEST_DATABASE_URL } from '@app/testing';
import { useConversationDatabase } from './conversation-db.helper';

/**
 * The database lock that orders a conversation's turns across server instances: two connections pools on one
 * PostgreSQL stand for two instances.
 */
jest.setTimeout(60_000);

const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

async function advisoryWaiters(db: DatabaseHandle): Promise<number> {
  const rows = await db.dataSource.query(`SELECT count(*)::int AS "n" FROM pg_locks WHERE "locktype" = 'advisory' AND NOT "granted"`);
  return rows[0].n;
}

describe('turn lock across instances (PostgreSQL)', () => {
  let one: DatabaseHandle;
  let two: DatabaseHandle;
  let a: TurnRepository;
  let b: TurnRepository;
  let conversationId: string;
  const created: string[] = [];
  const newConversation = async (): Promise<string> => {
    const rows = await one.dataSource.query(`INSERT INTO "conversation" ("token_hash") VALUES ($1) RETURNING "id"`, [randomUUID()]);
    created.push(rows[0].id);
    return rows[0].id;
  };

  beforeAll(async () => {
    const url = process.env.TEST_DATABASE_URL ?? DEFAULT_TEST_DATABASE_URL;
    one = await openDatabase({ kind: 'postgres', url }, { migrate: true, poolSize: 3 });
    two = await openDatabase({ kind: 'postgres', url }, { migrate: false, poolSize: 3 });
    a = new TurnRepository(one.dataSource);
    b = new TurnRepository(two.dataSource);
  });

  beforeEach(async () => {
    conversationId = await newConversation();
  });

  afterAll(async () => {
    await one?.dataSource.query(`DELETE FROM "conversation" WHERE "id" = ANY($1)`, [created]);
    await a?.onApplicationShutdown();
    await b?.onApplicationShutdown();
    await one?.close();
    await two?.close();
  });

  it('runs the turns of one conversation one after the other, and the second sees what the first committed', async () => {
    const order: string[] = [];
    const holding = deferred();
    const release = deferred();
    const first = a.withConversation(conversationId, async () => {
      order.push('a start');
      holding.resolve();
      await release.promise;
      await a.appendInbound(conversationId, 'c1', 'written while holding the turn');
      order.push('a end');
    });
    await holding.promise;
    const second = b.withConversation(conversationId, async (session) => {
      order.push('b start');
      return (await session.listUnanswered(conversationId, new Date())).messages.map((m) => m.text);
    });
    // b is blocked on the lock until a commits: wait until PostgreSQL shows it waiting (or b got in, which fails below).
    while (!order.includes('b start') && !(await advisoryWaiters(one))) await new Promise((r) => setTimeout(r, 20));
    expect(order).toEqual(['a start']);
    release.resolve();
    await first;
    const seen = await second;
    expect(order).toEqual(['a start', 'a end', 'b start']);
    expect(seen).toEqual({ ran: true, value: ['written while holding the turn'] });
  });

  it('lets a sweep skip a conversation another instance is answering, and take a free one', async () => {
    const holding = deferred();
    const release = deferred();
    const first = a.withConversation(conversationId, async () => {
      holding.resolve();
      await release.promise;
    });
    await holding.promise;
    expect(await b.withConversation(conversationId, async () => 'ran', { onlyIfFree: true })).toEqual({ ran: false });
    const other = await newConversation();
    expect(await b.withConversation(other, async () => 'ran', { onlyIfFree: true })).toEqual({ ran: true, value: 'ran' });
    release.resolve();
    await first;
    expect(await b.withConversation(conversationId, async () => 'ran', { onlyIfFree: true })).toEqual({ ran: true, value: 'ran' });
  });

  it('writes nothing of a turn that failed half-way (one transaction)', async () => {
    const stored = await a.appendInbound(conversationId, 'c2', 'hello');
    if (stored.kind !== 'stored') throw new Error(stored.kind);
    await expect(
      b.withConversation(conversationId, async (session) => {
        await session.appendBotReply({ conversationId, replyToId: stored.message.id, replyToSeq: stored.message.seq, text: 'hi', route: 'fallback' }, { kind: 'keep' }, null);
        throw new Error('NLU crashed after the write');
      }),
    ).rejects.toThrow('NLU crashed');
    const { messages } = await a.listUnanswered(conversationId, new Date());
    expect(messages.map((m) => m.id)).toEqual([stored.message.id]);
  });
});

/**
 * The unlocked reply a turn writes when it knows the conversation's state (TurnRepository.appendReplyIfLatest): it
 * is stored only while the message it answers is the conversation's latest, also against another instance holding
 * the conversation in a locked turn.
 */
describe.each([['pglite'], ['postgres']] as const)('unlocked reply on %s', (kind) => {
  const conversations = useConversationDatabase(kind);
  const { newConversation, customerSays } = conversations;
  const reply = (conversationId: string, to: { id: string; seq: number }, text: string) =>
    conversations.turns.appendReplyIfLatest({ conversationId, replyToId: to.id, replyToSeq: to.seq, text, route: 'template' }, { kind: 'keep' }, null);
  const texts = async (conversationId: string) =>
    (await conversations.db.dataSource.query(`SELECT "seq", "author", "text" FROM "message" WHERE "conversation_id" = $1 ORDER BY "seq"`, [conversationId])).map(
      (r: { seq: number; author: string; text: string }) => `${r.seq} ${r.author}: ${r.text}`,
    );

  it('stores the reply to the latest message, right after it', async () => {
    const id = await newConversation();
    const first = await customerSays(id, 'where is my order?');
    const stored = await reply(id, first, 'on its way');
    expect(stored?.message.seq).toBe(first.seq + 1);
    expect(await texts(id)).toEqual(['1 customer: where is my order?', '2 bot: on its way']);
  });

  it('writes nothing when a newer message came in, or the message was answered or handed to a human', async () => {
    const id = await newConversation();
    const first = await customerSays(id, 'where is my order?');
    const second = await customerSays(id, 'it is 12345');
    expect(await reply(id, first, 'stale answer')).toBeNull();
    expect(await reply(id, second, 'found it')).not.toBeNull();
    expect(await reply(id, second, 'found it again')).toBeNull();
    const third = await customerSays(id, 'a person please');
    await conversations.db.dataSource.query(`UPDATE "conversation" SET "status" = 'handoff_requested' WHERE "id" = $1`, [id]);
    expect(await reply(id, third, 'the bot again')).toBeNull();
    expect(await texts(id)).toEqual(['1 customer: where is my order?', '2 customer: it is 12345', '3 bot: found it', '4 customer: a person please']);
  });

  if (kind === 'postgres') {
    it('waits for another instance holding the conversation, and writes nothing once that one answered', async () => {
      const id = await newConversation();
      const message = await customerSays(id, 'where is my order?');
      const other = await openDatabase({ kind: 'postgres', url: process.env.TEST_DATABASE_URL ?? DEFAULT_TEST_DATABASE_URL }, { migrate: false, poolSize: 2 });
      const elsewhere = new TurnRepository(other.dataSource);
      const release = deferred();
      try {
        const written = deferred();
        const locked = elsewhere.withConversation(id, async (session) => {
          await session.appendBotReply({ conversationId: id, replyToId: message.id, replyToSeq: message.seq, text: 'from the other instance', route: 'template' }, { kind: 'keep' }, null);
          written.resolve();
          await release.promise;
        });
        await written.promise;
        let settled = false;
        const unlocked = reply(id, message, 'from this instance').finally(() => (settled = true));
        // Blocked on the conversation row the other turn updated, until it commits: wait until PostgreSQL shows a
        // session waiting (or the write returned without waiting, which fails below).
        const rowWaiters = async () =>
          (await conversations.db.dataSource.query(`SELECT count(*)::int AS "n" FROM pg_locks WHERE NOT "granted" AND "locktype" = 'transactionid'`))[0].n;
        while (!settled && !(await rowWaiters())) await new Promise((r) => setTimeout(r, 20));
        expect(settled).toBe(false);
        release.resolve();
        await locked;
        expect(await unlocked).toBeNull();
        expect(await texts(id)).toEqual(['1 customer: where is my order?', '2 bot: from the other instance']);
      } finally {
        // Also when an expectation failed while the other turn still held its connection: end it, then close.
        release.resolve();
        await elsewhere.onApplicationShutdown();
        await other.close();
      }
    });
  }
});
