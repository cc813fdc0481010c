import { randomUUID } from 'node:crypto';
import { DatabaseHandle, openDatabase, TurnRepository } from '@app/database';
import { DEFAULT_TEST_DATABASE_URL } from '@app/testing';

export type EngineKind = 'pglite' | 'postgres';

/** What {@link useConversationDatabase} gives a suite once `beforeAll` ran. */
export interface ConversationDatabase {
  db: DatabaseHandle;
  turns: TurnRepository;
  /** The ids {@link newConversation} made. */
  created: string[];
  /** A fresh conversation, deleted after the suite (the PostgreSQL test database is shared with other suites). */
  newConversation(): Promise<string>;
  /** Stores a customer message in it, as a widget send does. */
  customerSays(conversationId: string, text?: string): Promise<{ id: string; seq: number }>;
}

/**
 * Opens a migrated database of `kind` (an in-memory PGlite, or the test PostgreSQL server) with a TurnRepository
 * for the suite, and removes the suite's conversations and closes it afterwards.
 */
export function useConversationDatabase(kind: EngineKind): ConversationDatabase {
  const created: string[] = [];
  const handle = { created } as ConversationDatabase;
  beforeAll(async () => {
    handle.db =
      kind === 'postgres'
        ? await openDatabase({ kind: 'postgres', url: process.env.TEST_DATABASE_URL ?? DEFAULT_TEST_DATABASE_URL }, { migrate: true, poolSize: 3 })
        : await openDatabase({ kind: 'pglite', dataDir: 'memory://' }, { migrate: true });
    handle.turns = new TurnRepository(handle.db.dataSource);
  });
  afterAll(async () => {
    await handle.db?.dataSource.query(`DELETE FROM "conversation" WHERE "id" = ANY($1)`, [created]);
    await handle.turns?.onApplicationShutdown();
    await handle.db?.close();
  });
  handle.newConversation = async () => {
    const [row] = await handle.db.dataSource.query(`INSERT INTO "conversation" ("token_hash") VALUES ($1) RETURNING "id"`, [randomUUID()]);
    created.push(row.id);
    return row.id;
  };
  handle.customerSays = async (conversationId, text = 'where is my order?') => {
    const stored = await handle.turns.appendInbound(conversationId, randomUUID(), text);
    if (stored.kind !== 'stored') throw new Error(stored.kind);
    return stored.message;
  };
  return handle;
}
