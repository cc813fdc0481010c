import { DatabaseHandle, openDatabase, TrainingJobRepository } from '@app/database';
import { DEFAULT_TEST_DATABASE_URL, makePgliteDir, removeDir } from '@app/testing';

/**
 * The training job queue on both engines, without training: concurrent workers claim distinct jobs (FOR UPDATE
 * SKIP LOCKED, on PostgreSQL through separate connections), heartbeats, cancel, stale requeue and release.
 */
jest.setTimeout(120_000);

const PG_URL = process.env.TEST_DATABASE_URL ?? DEFAULT_TEST_DATABASE_URL;

describe.each([['pglite'], ['postgres']] as const)('training job queue on %s', (kind) => {
  let dir: string | undefined;
  let db: DatabaseHandle;
  /** Separate pools (PostgreSQL): each stands for another worker process. */
  const others: DatabaseHandle[] = [];
  let sut: TrainingJobRepository;

  beforeAll(async () => {
    dir = kind === 'pglite' ? makePgliteDir() : undefined;
    db = await openDatabase(kind === 'pglite' ? { kind, dataDir: dir! } : { kind, url: PG_URL }, { migrate: true, poolSize: 4 });
    sut = new TrainingJobRepository(db.dataSource);
    if (kind === 'postgres') for (let i = 0; i < 3; i++) others.push(await openDatabase({ kind, url: PG_URL }, { migrate: false, poolSize: 2 }));
  });

  beforeEach(async () => {
    await db.dataSource.query(`TRUNCATE "training_job" CASCADE`);
  });

  afterAll(async () => {
    for (const o of others) await o.close();
    await db?.close();
    if (dir) removeDir(dir);
  });

  it('gives every queued job to exactly one of many concurrent claimers, oldest first', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) ids.push((await sut.create({ config: 'tiny', overrides: {}, createdBy: null })).id);
    const repos = kind === 'postgres' ? [sut, ...others.map((o) => new TrainingJobRepository(o.dataSource))] : [sut, sut];
    // Every "worker" keeps claiming until the queue is empty; all run at the same time.
    const claimed = await Promise.all(
      repos.map(async (repo, w) => {
        const mine: string[] = [];
        for (let job = await repo.claim(`w${w}`); job; job = await repo.claim(`w${w}`)) mine.push(job.id);
        return mine;
      }),
    );
    const all = claimed.flat();
    expect(all).toHaveLength(12);
    expect(new Set(all).size).toBe(12);
    expect([...all].sort()).toEqual([...ids].sort());
    if (kind === 'postgres') expect(claimed.filter((c) => c.length > 0).length).toBeGreaterThan(1);
    const rows = await db.dataSource.query(`SELECT "status", "worker_id", "attempts" FROM "training_job"`);
    expect(rows.every((r: { status: string; attempts: number }) => r.status === 'running' && r.attempts === 1)).toBe(true);
  });

  it('heartbeats, flags a running job for cancel and cancels a queued one at once', async () => {
    const running = await sut.create({ config: 'tiny', overrides: {}, createdBy: null });
    const queued = await sut.create({ config: 'tiny', overrides: {}, createdBy: null });
    expect((await sut.claim('w1'))!.id).toBe(running.id);
    expect(await sut.heartbeat(running.id, 'w1')).toEqual({ cancelRequested: false });
    expect(await sut.heartbeat(running.id, 'someone-else')).toBeNull();
    expect((await sut.requestCancel(running.id))!.status).toBe('running');
    expect(await sut.heartbeat(running.id, 'w1')).toEqual({ cancelRequested: true });
    const cancelled = await sut.requestCancel(queued.id);
    expect(cancelled!.status).toBe('cancelled');
    expect(await sut.claim('w2')).toBeNull();
    expect(await sut.finish(running.id, 'w1', 'cancelled', null)).toBe(true);
    expect(await sut.requestCancel(running.id)).toBeNull();
  });

  it('requeues a job whose worker went silent and fails it after the last attempt', async () => {
    const job = await sut.create({ config: 'tiny', overrides: {}, createdBy: null });
    await sut.claim('lost-worker');
    await db.dataSource.query(`UPDATE "training_job" SET "heartbeat_at" = now() - interval '10 minutes'`);
    expect(await sut.requeueStale(60, 2)).toEqual({ requeued: [job.id], failed: [] });
    expect((await sut.claim('w2'))!.attempts).toBe(2);
    expect(await sut.finish(job.id, 'lost-worker', 'succeeded', null)).toBe(false);
    await db.dataSource.query(`UPDATE "training_job" SET "heartbeat_at" = now() - interval '10 minutes'`);
    expect(await sut.requeueStale(60, 2)).toEqual({ requeued: [], failed: [job.id] });
    expect((await sut.findById(job.id))!.error).toEqual({ code: 'WORKER_LOST', message: 'the worker running this job stopped responding' });
  });

  it('keeps events in order per job and pages them by seq', async () => {
    const job = await sut.create({ config: 'tiny', overrides: {}, createdBy: null });
    await sut.appendEvents(job.id, [1, 2, 3].map((i) => ({ type: 'log' as const, data: { line: `l${i}` } })));
    const first = await sut.events(job.id, undefined, 2);
    expect(first.map((e) => e.data.line)).toEqual(['l2', 'l3']);
    const all = await sut.events(job.id, 0, 10);
    expect(all.map((e) => e.data.line)).toEqual(['l1', 'l2', 'l3']);
    expect(await sut.events(job.id, Number(all[2].seq), 10)).toEqual([]);
  });

  it('a stopping worker hands its job back to the queue', async () => {
    const job = await sut.create({ config: 'tiny', overrides: {}, createdBy: null });
    await sut.claim('w1');
    await sut.release(job.id, 'w1');
    expect((await sut.findById(job.id))!.status).toBe('queued');
    expect((await sut.claim('w2'))!.id).toBe(job.id);
  });
});
