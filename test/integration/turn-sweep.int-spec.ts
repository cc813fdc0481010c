import { randomUUID } from 'node:crypto';
import { DatabaseHandle, FIND_STALLED_SQL, HandoffRepository, openDatabase, TurnRepository } from '@app/database';
import { DEFAULT_TEST_DATABASE_URL } from '@app/testing';

/**
 * What the turn sweeper finds (TurnRepository.findStalled): conversations the bot has and owes a reply to a customer
 * message, and no others, read through the partial index that holds only those. Both engines.
 */
jest.setTimeout(60_000);

describe.each([['pglite'], ['postgres']])('turn sweep on %s', (kind) => {
  let db: DatabaseHandle;
  let turns: TurnRepository;
  let handoff: HandoffRepository;
  const created: string[] = [];

  beforeAll(async () => {
    db =
      kind === 'postgres'
        ? await openDatabase({ kind: 'postgres', url: process.env.TEST_DATABASE_URL ?? DEFAULT_TEST_DATABASE_URL }, { migrate: true, poolSize: 3 })
        : await openDatabase({ kind: 'pglite', dataDir: 'memory://' }, { migrate: true });
    turns = new TurnRepository(db.dataSource);
    handoff = new HandoffRepository(db.dataSource);
  });

  afterAll(async () => {
    await db?.dataSource.query(`DELETE FROM "conversation" WHERE "id" = ANY($1)`, [created]);
    await turns?.onApplicationShutdown();
    await db?.close();
  });

  const newConversation = async (): Promise<string> => {
    const [row] = await db.dataSource.query(`INSERT INTO "conversation" ("token_hash") VALUES ($1) RETURNING "id"`, [randomUUID()]);
    created.push(row.id);
    return row.id;
  };
  const customerSays = async (conversationId: string) => {
    const stored = await turns.appendInbound(conversationId, randomUUID(), 'where is my order?');
    if (stored.kind !== 'stored') throw new Error(stored.kind);
    return stored.message;
  };
  const botAnswers = async (conversationId: string, to: { id: string; seq: number }) => {
    const reply = await turns.appendBotReply({ conversationId, replyToId: to.id, replyToSeq: to.seq, text: 'on its way', route: 'template' }, { kind: 'keep' }, null);
    expect(reply).not.toBeNull();
  };
  // Ours among all the stalled ones (the PostgreSQL test database is shared with other suites).
  const stalled = async (): Promise<Set<string>> => new Set((await turns.findStalled(0, 10_000)).filter((id) => created.includes(id)));

  it('finds a conversation while a customer message waits for the bot, and not once it is answered', async () => {
    const id = await newConversation();
    expect((await stalled()).has(id)).toBe(false);
    const first = await customerSays(id);
    const second = await customerSays(id);
    expect((await stalled()).has(id)).toBe(true);
    await botAnswers(id, first);
    expect((await stalled()).has(id)).toBe(true);
    await botAnswers(id, second);
    expect((await stalled()).has(id)).toBe(false);
  });

  it('leaves alone what a human has, and what customers said to humans once the bot has it back', async () => {
    const id = await newConversation();
    await customerSays(id);
    await db.dataSource.transaction((m) => handoff.markRequested(m, id));
    expect((await stalled()).has(id)).toBe(false);
    await customerSays(id);
    await db.dataSource.transaction((m) => handoff.returnToBot(m, id));
    expect((await stalled()).has(id)).toBe(false);
    await customerSays(id);
    expect((await stalled()).has(id)).toBe(true);
  });

  it('reads the owing conversations through their partial index (the statement findStalled runs)', async () => {
    const plan = await db.dataSource.transaction(async (m) => {
      // The tables are tiny here: a sequential scan would win on cost, so it is ruled out to see the index match.
      await m.query(`SET LOCAL enable_seqscan = off`);
      const rows = await m.query(`EXPLAIN ${FIND_STALLED_SQL}`, [15, 100]);
      return rows.map((r: Record<string, string>) => r['QUERY PLAN']).join('\n');
    });
    expect(plan).toContain('IDX_conversation_owed');
  });
});
