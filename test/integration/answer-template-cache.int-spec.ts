import { randomUUID } from 'node:crypto';
import { AnswerTemplateRepository, DatabaseHandle, openDatabase } from '@app/database';
import { DEFAULT_TEST_DATABASE_URL, makePgliteDir, removeDir } from '@app/testing';

/**
 * The turn reads templates from an in-process snapshot: writes through the repository must show at once,
 * writes that bypass it (SQL by hand, another server instance) after invalidateCache() or the TTL.
 */
jest.setTimeout(120_000);

describe.each([['pglite'], ['postgres']])('answer template cache on %s', (kind) => {
  let db: DatabaseHandle;
  let dir: string | null = null;
  let sut: AnswerTemplateRepository;
  const intent = `cache_test_${randomUUID().slice(0, 8)}`;
  const input = (name: string) => ({ intent, name, variants: [`${name} text`], requiredEntities: [], prompts: {}, enabled: true, source: 'user' as const });

  beforeAll(async () => {
    if (kind === 'pglite') dir = makePgliteDir();
    db = await openDatabase(
      kind === 'pglite' ? { kind: 'pglite', dataDir: dir! } : { kind: 'postgres', url: process.env.TEST_DATABASE_URL ?? DEFAULT_TEST_DATABASE_URL },
      { migrate: true, poolSize: 2 },
    );
    sut = new AnswerTemplateRepository(db.dataSource);
  });

  afterAll(async () => {
    await db?.dataSource.query(`DELETE FROM answer_template WHERE intent = $1`, [intent]);
    await db?.close();
    if (dir) removeDir(dir);
  });

  it('serves writes made through the repository at once', async () => {
    expect(await sut.findForIntent(intent)).toBeNull();
    const created = await sut.create(input('first'));
    expect((await sut.findForIntent(intent))?.id).toBe(created.id);
    await sut.update(created.id, { variants: ['edited'] });
    expect((await sut.findForIntent(intent))?.variants).toEqual(['edited']);
    expect((await sut.findCachedById(created.id))?.variants).toEqual(['edited']);
    await sut.update(created.id, { enabled: false });
    expect(await sut.findForIntent(intent)).toBeNull();
    // A disabled template is still found by id (a pending question may point at it).
    expect((await sut.findCachedById(created.id))?.enabled).toBe(false);
    await sut.delete(created.id);
    expect(await sut.findCachedById(created.id)).toBeNull();
  });

  it('keeps serving its snapshot after a write that bypassed it, until invalidated', async () => {
    const created = await sut.create(input('second'));
    expect((await sut.findForIntent(intent))?.name).toBe('second');
    await db.dataSource.query(`UPDATE answer_template SET name = 'by hand' WHERE id = $1`, [created.id]);
    expect((await sut.findForIntent(intent))?.name).toBe('second');
    sut.invalidateCache();
    expect((await sut.findForIntent(intent))?.name).toBe('by hand');
  });

  it('prefers a person-edited template over an imported one for the same intent', async () => {
    await db.dataSource.query(`DELETE FROM answer_template WHERE intent = $1`, [intent]);
    await sut.insertMany([{ ...input('imported'), source: 'import' }]);
    const mine = await sut.create(input('mine'));
    expect((await sut.findForIntent(intent))?.id).toBe(mine.id);
  });
});
