import { Logger } from '@nestjs/common';
import { createNluService, NluService } from '@app/nlu';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Worker } from 'node:worker_threads';

/** The model our pipeline trained (scripts/ensure-model.sh); tests fail loudly, never skip, without it. */
export const MODEL_DIR = resolve(process.env.PARLEY_MODEL_DIR ?? 'models/default');

export function requireModel(): string {
  if (!existsSync(resolve(MODEL_DIR, 'manifest.json')) || !existsSync(resolve(MODEL_DIR, 'parity.jsonl'))) {
    throw new Error(`No trained model at ${MODEL_DIR}: run scripts/ensure-model.sh first (./scripts/test.sh does).`);
  }
  return MODEL_DIR;
}

/**
 * One inline NluService on the default model for a describe block (loaded in beforeAll, closed in
 * afterAll); call the returned getter inside tests.
 */
export function useDefaultNlu(): () => NluService {
  const dir = requireModel();
  let nlu: NluService | undefined;
  beforeAll(async () => {
    Logger.overrideLogger(false);
    nlu = await createNluService({ modelDir: dir, threads: 1 });
  });
  afterAll(() => nlu?.close());
  return () => {
    if (!nlu) throw new Error('the NLU is loaded in beforeAll');
    return nlu;
  };
}

/** The worker threads of `nlu`'s active model (worker backend), one per pool slot. */
export function poolThreads(nlu: NluService): Worker[] {
  const current = nlu['current'];
  if (!current) throw new Error('no model is loaded');
  return (current.backend as unknown as { threads(): Worker[] }).threads();
}

export type Fault = 'throw' | 'terminate' | 'hang';

/**
 * Makes the next batch sent to any worker of `nlu`'s pool meet `fault` instead of the model: 'throw' sends an
 * unknown message type, which the worker's handler throws on (an uncaught exception: the thread dies);
 * 'terminate' stops the thread instead of delivering the batch (stopping it while onnxruntime runs natively
 * would abort the whole process, see SessionWorker.stopWhenIdle); 'hang' never delivers the batch, which is
 * what a worker stuck in native code looks like from outside. One-shot: every worker is disarmed on first use.
 * Returns the threads it armed.
 */
export function faultOnNextBatch(nlu: NluService, fault: Fault): { threads: Worker[]; deliverWithheld(): void } {
  const workers = poolThreads(nlu);
  const originals = workers.map((w) => w.postMessage.bind(w));
  const disarm = (): void => workers.forEach((w, i) => (w.postMessage = originals[i]));
  let withheld: (() => void) | null = null;
  workers.forEach((w, i) => {
    w.postMessage = (msg: { type: string }, transfer?: readonly ArrayBuffer[]) => {
      if (msg.type !== 'run') return originals[i](msg, transfer as never);
      disarm();
      if (fault === 'throw') return originals[i]({ ...msg, type: 'no-such-type' });
      if (fault === 'terminate') void w.terminate();
      if (fault === 'hang') withheld = () => originals[i](msg, transfer as never);
    };
  });
  return {
    threads: workers,
    /** 'hang': hands the held batch to its worker after all, as a slow batch would finally arrive. */
    deliverWithheld: () => withheld?.(),
  };
}
