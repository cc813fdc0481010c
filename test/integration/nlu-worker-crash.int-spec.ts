import { Logger, LoggerService } from '@nestjs/common';
import { createNluService, InferenceError, InferenceTimeoutError, NluLoadOptions, NluService } from '@app/nlu';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { Fault, faultOnNextBatch, poolThreads, requireModel } from './nlu-model.helper';

/** Log lines as objects, and a promise per awaited event (no sleeps: tests wait for what the pool reports). */
class CapturingLogger implements LoggerService {
  readonly events: Record<string, unknown>[] = [];
  private readonly waiters: { event: string; seen: number; resolve: (e: Record<string, unknown>) => void }[] = [];

  log(message: unknown): void {
    this.capture(message);
  }
  error(message: unknown): void {
    this.capture(message);
  }
  warn(message: unknown): void {
    this.capture(message);
  }

  /** Resolves with the `n`-th (1-based) log object whose `event` is `event`, already logged or still to come. */
  next(event: string, n = 1): Promise<Record<string, unknown>> {
    const seen = this.events.filter((e) => e.event === event);
    if (seen.length >= n) return Promise.resolve(seen[n - 1]);
    return new Promise((resolve) => this.waiters.push({ event, seen: n - seen.length, resolve }));
  }

  private capture(message: unknown): void {
    if (typeof message !== 'object' || message === null) return;
    const e = message as Record<string, unknown>;
    this.events.push(e);
    for (const w of [...this.waiters]) {
      if (w.event === e.event && --w.seen === 0) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(e);
      }
    }
  }
}

describe('NLU inference workers that crash or hang (real model, worker threads)', () => {
  const src = requireModel();
  const logs = new CapturingLogger();
  const services: NluService[] = [];
  const tmp: string[] = [];
  const MESSAGE = 'I want to cancel order 732201349959';

  const start = async (opts: NluLoadOptions & { modelDir?: string } = {}): Promise<NluService> => {
    const nlu = await createNluService({ modelDir: src, threads: 1, workers: 2, ...opts });
    services.push(nlu);
    return nlu;
  };

  beforeAll(() => Logger.overrideLogger(logs));

  afterAll(async () => {
    await Promise.all(services.map((s) => s.close()));
    for (const d of tmp) rmSync(d, { recursive: true, force: true });
    Logger.overrideLogger(false);
  });

  it.each<[Fault, string]>([
    ['throw', 'Error: unknown message type no-such-type'],
    ['terminate', 'exited with code 1'],
  ])('a worker that dies holding a batch (%s) fails that call with a typed error and is replaced on the same model', async (fault, detail) => {
    const nlu = await start();
    const before = await nlu.parse(MESSAGE);
    const crashedBefore = logs.events.filter((e) => e.event === 'nlu.worker.crashed').length;
    const replacedBefore = logs.events.filter((e) => e.event === 'nlu.worker.replaced').length;
    const old = faultOnNextBatch(nlu, fault).threads;

    const err = await nlu.parse(MESSAGE).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InferenceError);
    expect(err).toMatchObject({ code: 'NLU_INFERENCE_FAILED' });

    const crashed = await logs.next('nlu.worker.crashed', crashedBefore + 1);
    expect(crashed).toMatchObject({ reason: fault === 'throw' ? 'error' : 'exit', failedCalls: 1, capacity: 2, alive: 1 });
    expect(String(crashed.detail)).toContain(detail);
    // Structured and free of message text: the worker only ever saw token ids.
    expect(JSON.stringify(crashed)).not.toContain('732201349959');
    await logs.next('nlu.worker.replaced', replacedBefore + 1);

    expect(nlu.stats!.workers).toEqual({ alive: 2, crashes: 1, timeouts: 0, respawns: 1 });
    const current = poolThreads(nlu);
    expect(current.filter((w) => !old.includes(w))).toHaveLength(1);
    // Later calls (more than one batch at once, so both slots work) succeed with the same model's answer.
    const after = await Promise.all(Array.from({ length: 40 }, () => nlu.parse(MESSAGE)));
    for (const r of after) {
      expect(r.model).toEqual(before.model);
      expect(r.intent.name).toBe(before.intent.name);
      expect(r.intent.confidence).toBeCloseTo(before.intent.confidence, 5);
      expect(r.entities).toEqual(before.entities);
    }
    expect(nlu.stats!.workers!.crashes).toBe(1);
  });

  it('a worker that never answers fails its call with NLU_INFERENCE_TIMEOUT after the deadline, is replaced, and is stopped once it answers late', async () => {
    const nlu = await start({ callTimeoutMs: 1500 });
    const timedOutBefore = logs.events.filter((e) => e.event === 'nlu.worker.crashed' && e.reason === 'timeout').length;
    const replacedBefore = logs.events.filter((e) => e.event === 'nlu.worker.replaced').length;
    const fault = faultOnNextBatch(nlu, 'hang');
    const exits = fault.threads.map((w) => once(w, 'exit').then(() => w));

    const err = await nlu.parse(MESSAGE).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InferenceTimeoutError);
    expect(err).toMatchObject({ code: 'NLU_INFERENCE_TIMEOUT', message: expect.stringContaining('1500 ms') });
    const events = logs.events.filter((e) => e.event === 'nlu.worker.crashed' && e.reason === 'timeout');
    expect(events).toHaveLength(timedOutBefore + 1);
    await logs.next('nlu.worker.replaced', replacedBefore + 1);
    expect(nlu.stats!.workers).toEqual({ alive: 2, crashes: 0, timeouts: 1, respawns: 1 });
    await expect(nlu.parse(MESSAGE)).resolves.toMatchObject({ text: MESSAGE });
    // Stopping a thread inside a native onnxruntime call can abort the process, so the hung worker is only stopped
    // once it is back in JavaScript: here its late answer arrives, and it exits.
    fault.deliverWithheld();
    const stopped = await Promise.race(exits);
    expect(poolThreads(nlu)).not.toContain(stopped);
    await expect(nlu.parse(MESSAGE)).resolves.toMatchObject({ text: MESSAGE });
  });

  it('with no worker left and the model file gone, calls fail by the deadline instead of hanging; serving resumes once it is back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nlu-crash-'));
    tmp.push(dir);
    for (const f of readdirSync(src)) symlinkSync(join(src, f), join(dir, f));
    const nlu = await start({ modelDir: dir, workers: 1, callTimeoutMs: 1500 });
    const failedBefore = logs.events.filter((e) => e.event === 'nlu.worker.respawn_failed').length;
    const replacedBefore = logs.events.filter((e) => e.event === 'nlu.worker.replaced').length;

    renameSync(join(dir, 'model.int8.onnx'), join(dir, 'moved.onnx'));
    faultOnNextBatch(nlu, 'throw');
    await expect(nlu.parse(MESSAGE)).rejects.toMatchObject({ code: 'NLU_INFERENCE_FAILED' });
    const failed = await logs.next('nlu.worker.respawn_failed', failedBefore + 1);
    expect(failed).toMatchObject({ slot: 0, attempt: 0, code: 'MODEL_SESSION_FAILED' });

    const err = await nlu.parse(MESSAGE).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InferenceTimeoutError);
    expect(String((err as Error).message)).toContain('0 of 1 alive');

    renameSync(join(dir, 'moved.onnx'), join(dir, 'model.int8.onnx'));
    await logs.next('nlu.worker.replaced', replacedBefore + 1);
    await expect(nlu.parse(MESSAGE)).resolves.toMatchObject({ text: MESSAGE });
    expect(nlu.stats!.workers).toMatchObject({ alive: 1, crashes: 1, respawns: 1 });
  });

  it('keeps the failure totals across a model swap (the Prometheus counters read them)', async () => {
    const nlu = await start({ callTimeoutMs: 1500 });
    const hung = faultOnNextBatch(nlu, 'hang');
    await expect(nlu.parse(MESSAGE)).rejects.toMatchObject({ code: 'NLU_INFERENCE_TIMEOUT' });
    faultOnNextBatch(nlu, 'throw');
    await expect(nlu.parse(MESSAGE)).rejects.toMatchObject({ code: 'NLU_INFERENCE_FAILED' });
    await nlu.swap(src);
    hung.deliverWithheld(); // lets the retired worker answer late and stop (see the test above)
    expect(nlu.stats!.workers).toMatchObject({ alive: 2, crashes: 1, timeouts: 1 });
    await expect(nlu.parse(MESSAGE)).resolves.toMatchObject({ text: MESSAGE });
  });

  it('closing the model while a replacement loads neither hangs nor throws, and later calls get MODEL_NOT_READY', async () => {
    const nlu = await start();
    const crashedBefore = logs.events.filter((e) => e.event === 'nlu.worker.crashed').length;
    faultOnNextBatch(nlu, 'throw');
    await expect(nlu.parse(MESSAGE)).rejects.toBeInstanceOf(InferenceError);
    await logs.next('nlu.worker.crashed', crashedBefore + 1);
    const pool = nlu['current']!.backend as unknown as { threads(): Worker[] };
    await nlu.close();
    expect(pool.threads()).toHaveLength(0);
    await expect(nlu.parse(MESSAGE)).rejects.toMatchObject({ code: 'MODEL_NOT_READY' });
  });
});
