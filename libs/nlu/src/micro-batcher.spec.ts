import { BatchInput, BatchOutput, InferenceBackend } from './inference.types';
import { MicroBatcher } from './micro-batcher';

/**
 * A fake backend that echoes each row's first id and real length into the outputs, so the test can
 * check that rows come back to the right caller and that padding is masked. Runs resolve when the
 * test says so, which makes "in flight" observable without sleeps.
 */
class EchoBackend implements InferenceBackend {
  readonly inputs: BatchInput[] = [];
  private readonly gates: (() => void)[] = [];
  autoRelease = true;

  constructor(readonly capacity = 1) {}

  async run(input: BatchInput): Promise<BatchOutput> {
    this.inputs.push({ ...input, ids: input.ids.slice(), mask: input.mask.slice() });
    if (!this.autoRelease) await new Promise<void>((res) => this.gates.push(res));
    const intentLogits = new Float32Array(input.batch * 2);
    for (let r = 0; r < input.batch; r++) {
      intentLogits[r * 2] = Number(input.ids[r * input.seq]);
      let len = 0;
      for (let i = 0; i < input.seq; i++) len += Number(input.mask[r * input.seq + i]);
      intentLogits[r * 2 + 1] = len;
    }
    return {
      intentLogits,
      tagLogits: new Float32Array(input.batch * input.seq * 3),
      embedding: new Float32Array(input.batch * 4).fill(0.5),
      batch: input.batch,
      seq: input.seq,
      nIntents: 2,
      nTags: 3,
      hidden: 4,
    };
  }

  releaseOne(): void {
    this.gates.shift()?.();
  }

  get pendingRuns(): number {
    return this.gates.length;
  }

  async close(): Promise<void> {}
}

const tick = (): Promise<void> => new Promise((res) => setImmediate(res));

describe('MicroBatcher', () => {
  it('sends a lone call at once as a batch of one', async () => {
    const backend = new EchoBackend();
    const sut = new MicroBatcher(backend, { windowMs: 1000, maxBatch: 32, padId: 0 });
    const started = Date.now();
    const row = await sut.submit([7, 8, 9]);
    // The window is a full second: finishing well before it proves the lone call did not wait for it.
    expect(Date.now() - started).toBeLessThan(500);
    expect(Array.from(row.intentLogits)).toEqual([7, 3]);
    expect(sut.batchSizes).toEqual([1]);
  });

  it('batches calls made in the same tick, pads to the longest and masks the padding', async () => {
    const backend = new EchoBackend();
    const sut = new MicroBatcher(backend, { windowMs: 2, maxBatch: 32, padId: 0 });
    const rows = await Promise.all([sut.submit([1]), sut.submit([2, 2, 2]), sut.submit([3, 3])]);
    expect(sut.batchSizes).toEqual([3]);
    expect(rows.map((r) => Array.from(r.intentLogits))).toEqual([
      [1, 1],
      [2, 3],
      [3, 2],
    ]);
    expect(backend.inputs[0].seq).toBe(3);
    expect(Array.from(backend.inputs[0].ids)).toEqual([1n, 0n, 0n, 2n, 2n, 2n, 3n, 3n, 0n]);
    expect(rows[1].tagLogits).toHaveLength(3 * 3);
    expect(rows[2].embedding).toHaveLength(4);
  });

  it('caps batches at maxBatch', async () => {
    const backend = new EchoBackend(2);
    const sut = new MicroBatcher(backend, { windowMs: 2, maxBatch: 4, padId: 0 });
    const rows = await Promise.all(Array.from({ length: 10 }, (_, i) => sut.submit([i + 1])));
    expect(rows.map((r) => r.intentLogits[0])).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(Math.max(...sut.batchSizes)).toBe(4);
    expect(sut.batchSizes.reduce((a, b) => a + b, 0)).toBe(10);
  });

  it('queues while every session is busy and sends the queue as one batch when one frees up', async () => {
    const backend = new EchoBackend(1);
    backend.autoRelease = false;
    const sut = new MicroBatcher(backend, { windowMs: 2, maxBatch: 32, padId: 0 });
    const first = sut.submit([1]);
    await tick();
    expect(backend.pendingRuns).toBe(1);
    const rest = [sut.submit([2]), sut.submit([3]), sut.submit([4])];
    await tick();
    expect(backend.pendingRuns).toBe(1);
    backend.releaseOne();
    await first;
    await tick();
    expect(backend.pendingRuns).toBe(1);
    backend.releaseOne();
    expect((await Promise.all(rest)).map((r) => r.intentLogits[0])).toEqual([2, 3, 4]);
    expect(sut.batchSizes).toEqual([1, 3]);
  });

  it('groups rows of similar length when more wait than fit, oldest first', async () => {
    const backend = new EchoBackend(1);
    backend.autoRelease = false;
    const sut = new MicroBatcher(backend, { windowMs: 2, maxBatch: 2, padId: 0 });
    const busy = sut.submit([9]);
    await tick();
    const waiting = [sut.submit([1]), sut.submit([2, 2, 2, 2, 2]), sut.submit([3]), sut.submit([4, 4, 4, 4])];
    backend.autoRelease = true;
    backend.releaseOne();
    await busy;
    const rows = await Promise.all(waiting);
    expect(rows.map((r) => r.intentLogits[0])).toEqual([1, 2, 3, 4]);
    expect(backend.inputs.slice(1).map((b) => Array.from(b.ids).filter((x) => x !== 0n))).toEqual([
      [1n, 3n],
      [2n, 2n, 2n, 2n, 2n, 4n, 4n, 4n, 4n],
    ]);
  });

  it('rejects every row of a failed batch and keeps working', async () => {
    const backend = new EchoBackend();
    const sut = new MicroBatcher(backend, { windowMs: 2, maxBatch: 32, padId: 0 });
    jest.spyOn(backend, 'run').mockRejectedValueOnce(new Error('boom'));
    const results = await Promise.allSettled([sut.submit([1]), sut.submit([2])]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect((await sut.submit([5])).intentLogits[0]).toBe(5);
  });

  it('drain resolves once in-flight work is done', async () => {
    const backend = new EchoBackend();
    backend.autoRelease = false;
    const sut = new MicroBatcher(backend, { windowMs: 2, maxBatch: 32, padId: 0 });
    const call = sut.submit([1]);
    await tick();
    let drained = false;
    const draining = sut.drain().then(() => (drained = true));
    await tick();
    expect(drained).toBe(false);
    backend.releaseOne();
    await call;
    await draining;
    expect(drained).toBe(true);
    await expect(sut.drain()).resolves.toBeUndefined();
  });
});
