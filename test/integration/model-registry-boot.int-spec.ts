import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@app/config';
import { DatabaseHandle, ModelVersionRepository, openDatabase, TransactionService } from '@app/database';
import { ModelRegistryService, TrainingFilesRepository } from '@app/registry';
import { removeDir, requireModelDir } from '@app/testing';

/**
 * Which model a booting server loads, against a real database: the registry's active version, and when that
 * version's folder was retrained in place (scripts/ensure-model.sh after an upgrade), the version now on disk.
 */
jest.setTimeout(60_000);

describe('model registry at boot (PGlite)', () => {
  let db: DatabaseHandle;
  let sut: ModelRegistryService;
  const dir = mkdtempSync(join(tmpdir(), 'parley-registry-'));
  const modelDir = join(dir, 'default');
  cpSync(requireModelDir(), modelDir, { recursive: true });
  const manifestPath = join(modelDir, 'manifest.json');
  const shipped = JSON.parse(readFileSync(manifestPath, 'utf8')).version as string;

  beforeAll(async () => {
    db = await openDatabase({ kind: 'pglite', dataDir: 'memory://' }, { migrate: true });
    sut = new ModelRegistryService(new ModelVersionRepository(db.dataSource), new TrainingFilesRepository(loadConfig({ MODELS_DIR: dir, TRAINING_WORK_DIR: join(dir, 'var') })), new TransactionService(db.dataSource));
  });

  afterAll(async () => {
    await db?.close();
    removeDir(dir);
  });

  it('registers the folder on an empty registry, then follows it when it is retrained in place', async () => {
    const first = await sut.bootDir(modelDir);
    expect(first.model).toMatchObject({ version: shipped, status: 'active' });

    // Retrained in place: same folder, another version (what ensure-model does when the data or config changed).
    writeFileSync(manifestPath, JSON.stringify({ ...JSON.parse(readFileSync(manifestPath, 'utf8')), version: 'retrained-0001' }));
    const second = await sut.bootDir(modelDir);
    expect(second.dir).toBe(first.dir);
    expect(second.model).toMatchObject({ version: 'retrained-0001', status: 'active' });
    const { items, activeId } = await sut.list();
    expect(activeId).toBe(second.model!.id);
    expect(items.map((m) => [m.version, m.status]).sort()).toEqual([
      [shipped, 'retired'],
      ['retrained-0001', 'active'],
    ]);

    // Unchanged folder: nothing registered, the same active row.
    const third = await sut.bootDir(modelDir);
    expect(third.model!.id).toBe(second.model!.id);
    expect((await sut.list()).items).toHaveLength(2);
  });
});
