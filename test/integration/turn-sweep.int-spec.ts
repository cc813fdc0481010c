import { FIND_STALLED_SQL, HandoffRepository } from '@app/database';
import { useConversationDatabase } from './conversation-db.helper';

/**
 * What the turn sweeper finds (TurnRepository.findStalled): conversations the bot has and owes a reply to a customer
 * message, and no others, read through the partial index that holds only those. Both engines.
 */
jest.setTimeout(60_000);

describe.each([['pglite'], ['postgres']] as const)('turn sweep on %s', (kind) => {
  const conversations = useConversationDatabase(kind);
  const { newConversation, customerSays, created } = conversations;
  let handoff: HandoffRepository;
  beforeAll(() => {
    handoff = new HandoffRepository(conversations.db.dataSource);
  });
  const botAnswers = async (conversationId: string, to: { id: string; seq: number }) => {
    const reply = await conversations.turns.appendBotReply({ conversationId, replyToId: to.id, replyToSeq: to.seq, text: 'on its way', route: 'template' }, { kind: 'keep' }, null);
    expect(reply).not.toBeNull();
  };
  // Ours among all the stalled ones (the PostgreSQL test database is shared with other suites).
  const stalled = async (): Promise<Set<string>> => new Set((await conversations.turns.findStalled(0, 10_000)).filter((id) => created.includes(id)));

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
    await conversations.db.dataSource.transaction((m) => handoff.markRequested(m, id));
    expect((await stalled()).has(id)).toBe(false);
    await customerSays(id);
    await conversations.db.dataSource.transaction((m) => handoff.returnToBot(m, id));
    expect((await stalled()).has(id)).toBe(false);
    await customerSays(id);
    expect((await stalled()).has(id)).toBe(true);
  });

  it('reads the owing conversations through their partial index (the statement findStalled runs)', async () => {
    const plan = await conversations.db.dataSource.transaction(async (m) => {
      // The tables are tiny here: a sequential scan would win on cost, so it is ruled out to see the index match.
      await m.query(`SET LOCAL enable_seqscan = off`);
      const rows = await m.query(`EXPLAIN ${FIND_STALLED_SQL}`, [15, 100]);
      return rows.map((r: Record<string, string>) => r['QUERY PLAN']).join('\n');
    });
    expect(plan).toContain('IDX_conversation_owed');
  });
});
