import { randomUUID } from 'node:crypto';
import { DatabaseHandle, GroupCommit, openDatabase, TurnRepository } from '@app/database';

/**
 * Group commit on the embedded PGlite: concurrent writes share one transaction, each caller still gets its own rows
 * or its own error, and one caller's failure never loses another's write.
 */
jest.setTimeout(60_000);

// In PGlite's own thread (the default) a group is one batch there; on the event loop it is BEGIN … COMMIT.
describe.each([
  ['in its thread', true],
  ['on the event loop', false],
])('group commit (PGlite %s)', (_where, thread) => {
  let db: DatabaseHandle;
  let group: GroupCommit;
  const newConversation = async (): Promise<string> =>
    (await db.dataSource.query(`INSERT INTO "conversation" ("token_hash") VALUES ($1) RETURNING "id"`, [randomUUID()]))[0].id;

  beforeAll(async () => {
    db = await openDatabase({ kind: 'pglite', dataDir: 'memory://', thread }, { migrate: true });
    group = new GroupCommit(db.dataSource);
  });

  afterAll(async () => {
    await db?.close();
  });

  it('runs statements issued together in one transaction, and a lone one in its own', async () => {
    const together = await Promise.all(
      Array.from({ length: 8 }, () => group.sql('test.txid', 'SELECT txid_current()::text AS "txid"', [])),
    );
    const txids = new Set(together.map((rows) => rows[0].txid));
    expect(txids.size).toBe(1);
    const [alone] = await group.sql('test.txid', 'SELECT txid_current()::text AS "txid"', []);
    expect(txids.has(alone.txid)).toBe(false);
  });

  it('stores concurrent inbound messages of many conversations once each, in per-conversation order', async () => {
    const turns = new TurnRepository(db.dataSource);
    const conversations = await Promise.all(Array.from({ length: 10 }, newConversation));
    const sends = conversations.flatMap((id) => Array.from({ length: 5 }, (_, i) => ({ id, clientMessageId: `${id}:${i}`, text: `message ${i}` })));
    const results = await Promise.all(sends.map((s) => turns.appendInbound(s.id, s.clientMessageId, s.text)));
    expect(results.every((r) => r.kind === 'stored')).toBe(true);
    const rows = await db.dataSource.query(
      `SELECT "conversation_id", array_agg("text" ORDER BY "seq") AS "texts", array_agg("seq" ORDER BY "seq") AS "seqs"
         FROM "message" WHERE "conversation_id" = ANY($1) GROUP BY "conversation_id"`,
      [conversations],
    );
    expect(rows).toHaveLength(10);
    for (const row of rows) {
      expect(row.seqs).toEqual([1, 2, 3, 4, 5]);
      expect(row.texts).toEqual(['message 0', 'message 1', 'message 2', 'message 3', 'message 4']);
    }
    // Resending every message stores nothing new and returns the stored rows.
    const again = await Promise.all(sends.map((s) => turns.appendInbound(s.id, s.clientMessageId, s.text)));
    expect(again.map((r) => r.kind)).toEqual(sends.map(() => 'duplicate'));
    expect(again.map((r) => (r.kind === 'duplicate' ? r.message.id : null))).toEqual(results.map((r) => (r.kind === 'stored' ? r.message.id : null)));
  });

  it("fails only the statement that failed: the others of its group are committed", async () => {
    const id = await newConversation();
    const insert = (seq: number) =>
      group.sql(
        'test.insert_message',
        `INSERT INTO "message" ("conversation_id", "seq", "direction", "author", "text") VALUES ($1, $2, 'in', 'customer', $3) RETURNING "seq"`,
        [id, seq, `seq ${seq}`],
      );
    // The third reuses seq 1 (unique per conversation): it alone fails.
    const settled = await Promise.allSettled([insert(1), insert(2), insert(1), insert(3)]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect((settled[2] as PromiseRejectedResult).reason.code).toBe('23505');
    const stored = await db.dataSource.query(`SELECT "seq" FROM "message" WHERE "conversation_id" = $1 ORDER BY "seq"`, [id]);
    expect(stored.map((r: { seq: number }) => r.seq)).toEqual([1, 2, 3]);
  });
});
