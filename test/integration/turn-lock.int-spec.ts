import { randomUUID } from 'node:crypto';
import { DatabaseHandle, openDatabase, TurnRepository } from '@app/database';
import { DEFAULT_TEST_DATABASE_URL } from '@app/testing';

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
