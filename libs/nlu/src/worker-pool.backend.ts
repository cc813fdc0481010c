import { Worker } from 'node:worker_threads';
import { InferenceError, ModelLoadError } from './nlu.errors';
import { BatchInput, BatchOutput, InferenceBackend, SessionOptions } from './inference.types';
import { ortSessionOptions } from './inline.backend';

/**
 * The worker's code, run with `eval: true`: plain CommonJS, so it works the same under tsx,
 * ts-jest and compiled dist without a separate build step for the worker file. Each worker owns
 * one ORT session and calls it synchronously; outputs are copied into fresh buffers and
 * transferred (not cloned) back.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const ort = require(workerData.ortPath);
let session = null;
function fail(id, err) { parentPort.postMessage({ type: 'error', id, message: String(err && err.message || err) }); }
parentPort.on('message', async (msg) => {
  if (msg.type === 'load') {
    try {
      session = await ort.InferenceSession.create(msg.path, msg.options);
      parentPort.postMessage({ type: 'loaded', id: msg.id });
    } catch (err) { fail(msg.id, err); }
  } else if (msg.type === 'run') {
    try {
      const out = await session.run({
        input_ids: new ort.Tensor('int64', msg.ids, [msg.batch, msg.seq]),
        attention_mask: new ort.Tensor('int64', msg.mask, [msg.batch, msg.seq]),
      });
      const i = out.intent_logits, t = out.tag_logits, e = out.sentence_embedding;
      const res = {
        intentLogits: Float32Array.from(i.data), tagLogits: Float32Array.from(t.data), embedding: Float32Array.from(e.data),
        batch: msg.batch, seq: msg.seq, nIntents: i.dims[1], nTags: t.dims[2], hidden: e.dims[1],
      };
      parentPort.postMessage({ type: 'result', id: msg.id, res },
        [res.intentLogits.buffer, res.tagLogits.buffer, res.embedding.buffer]);
    } catch (err) { fail(msg.id, err); }
  } else if (msg.type === 'close') {
    if (session) await session.release();
    parentPort.postMessage({ type: 'closed', id: msg.id });
  }
});
`;

interface Call {
  resolve: (value: any) => void;
  reject: (err: Error) => void;
}

/** One worker thread with its own session; calls are matched to replies by id. */
class SessionWorker {
  private readonly worker: Worker;
  private readonly calls = new Map<number, Call>();
  private nextId = 1;
  busy = false;
  dead = false;

  constructor(ortPath: string) {
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { ortPath } });
    this.worker.on('message', (msg) => this.onMessage(msg));
    this.worker.on('error', (err) => this.die(err));
    this.worker.on('exit', (code) => this.die(new Error(`inference worker exited with code ${code}`)));
  }

  request<T>(msg: Record<string, unknown>, transfer: ArrayBuffer[] = []): Promise<T> {
    if (this.dead) return Promise.reject(new InferenceError('the inference worker is gone'));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.calls.set(id, { resolve, reject });
      this.worker.postMessage({ ...msg, id }, transfer);
    });
  }

  async terminate(): Promise<void> {
    this.dead = true;
    await this.worker.terminate();
  }

  private onMessage(msg: { type: string; id: number; res?: BatchOutput; message?: string }): void {
    const call = this.calls.get(msg.id);
    if (!call) return;
    this.calls.delete(msg.id);
    if (msg.type === 'error') call.reject(new InferenceError(msg.message ?? 'inference failed'));
    else call.resolve(msg.res);
  }

  private die(err: Error): void {
    if (this.dead && this.calls.size === 0) return;
    this.dead = true;
    for (const call of this.calls.values()) call.reject(new InferenceError(err.message));
    this.calls.clear();
  }
}

/**
 * `workers` threads, each with its own ORT session, so inference never blocks the event loop and
 * sockets keep flowing under load. A batch goes to an idle worker or waits for one. A worker that
 * dies fails its batch and is replaced before the next one.
 */
export class WorkerPoolBackend implements InferenceBackend {
  private readonly waiting: (() => void)[] = [];
  private closed = false;

  private constructor(
    private readonly workers: SessionWorker[],
    private readonly onnxPath: string,
    private readonly opts: SessionOptions & { workers: number },
  ) {}

  get capacity(): number {
    return this.workers.length;
  }

  static async create(onnxPath: string, opts: SessionOptions & { workers: number }): Promise<WorkerPoolBackend> {
    const pool = new WorkerPoolBackend([], onnxPath, opts);
    try {
      for (let i = 0; i < opts.workers; i++) pool.workers.push(await pool.spawn());
    } catch (err) {
      await pool.close();
      throw err;
    }
    return pool;
  }

  async run(input: BatchInput): Promise<BatchOutput> {
    const worker = await this.acquire();
    try {
      return await worker.request<BatchOutput>(
        { type: 'run', ids: input.ids, mask: input.mask, batch: input.batch, seq: input.seq },
        [input.ids.buffer as ArrayBuffer, input.mask.buffer as ArrayBuffer],
      );
    } finally {
      this.release(worker);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const wake of this.waiting.splice(0)) wake();
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
  }

  private async spawn(): Promise<SessionWorker> {
    const worker = new SessionWorker(require.resolve('onnxruntime-node'));
    const options = ortSessionOptions(this.opts);
    try {
      await worker.request({ type: 'load', path: this.onnxPath, options });
    } catch (err) {
      await worker.terminate();
      throw new ModelLoadError('MODEL_SESSION_FAILED', `onnxruntime cannot load ${this.onnxPath}: ${(err as Error).message}`);
    }
    return worker;
  }

  private async acquire(): Promise<SessionWorker> {
    for (;;) {
      if (this.closed) throw new InferenceError('the inference pool is closed');
      const idx = this.workers.findIndex((w) => !w.busy);
      if (idx < 0) {
        await new Promise<void>((res) => this.waiting.push(res));
        continue;
      }
      const worker = this.workers[idx];
      worker.busy = true;
      if (!worker.dead) return worker;
      try {
        const fresh = await this.spawn();
        fresh.busy = true;
        this.workers[idx] = fresh;
        return fresh;
      } catch (err) {
        this.release(worker);
        throw err;
      }
    }
  }

  private release(worker: SessionWorker): void {
    worker.busy = false;
    this.waiting.shift()?.();
  }
}
