import { Logger } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { InferenceError, InferenceTimeoutError, ModelLoadError } from './nlu.errors';
import { BackendHealth, BatchInput, BatchOutput, InferenceBackend, SessionOptions } from './inference.types';
import { ortSessionOptions } from './inline.backend';

/**
 * The worker's code, run with `eval: true`: plain CommonJS, so it works the same under tsx,
 * ts-jest and compiled dist without a separate build step for the worker file. Each worker owns
 * one ORT session and calls it synchronously. Outputs are transferred (not cloned) back: onnxruntime-node
 * hands each output in a buffer of its own, which is sent as is; one that shares or overhangs its buffer
 * is copied first. `runMs` is the session.run time inside the worker (the bench's breakdown; two clock
 * reads per batch).
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { performance } = require('node:perf_hooks');
const ort = require(workerData.ortPath);
let session = null;
function own(data, taken) {
  const whole = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength && !taken.has(data.buffer);
  const out = whole ? data : Float32Array.from(data);
  taken.add(out.buffer);
  return out;
}
function fail(id, err) { parentPort.postMessage({ type: 'error', id, message: String(err && err.message || err) }); }
parentPort.on('message', async (msg) => {
  if (msg.type === 'load') {
    try {
      session = await ort.InferenceSession.create(msg.path, msg.options);
      parentPort.postMessage({ type: 'loaded', id: msg.id });
    } catch (err) { fail(msg.id, err); }
  } else if (msg.type === 'run') {
    try {
      const t0 = performance.now();
      const out = await session.run({
        input_ids: new ort.Tensor('int64', msg.ids, [msg.batch, msg.seq]),
        attention_mask: new ort.Tensor('int64', msg.mask, [msg.batch, msg.seq]),
      });
      const runMs = performance.now() - t0;
      const i = out.intent_logits, t = out.tag_logits, e = out.sentence_embedding;
      const taken = new Set();
      const res = {
        intentLogits: own(i.data, taken), tagLogits: own(t.data, taken), embedding: own(e.data, taken),
        batch: msg.batch, seq: msg.seq, nIntents: i.dims[1], nTags: t.dims[2], hidden: e.dims[1], runMs,
      };
      parentPort.postMessage({ type: 'result', id: msg.id, res },
        [res.intentLogits.buffer, res.tagLogits.buffer, res.embedding.buffer]);
    } catch (err) { fail(msg.id, err); }
  } else if (msg.type === 'close') {
    if (session) await session.release();
    parentPort.postMessage({ type: 'closed', id: msg.id });
  } else {
    // A message this code does not know is a bug on the sending side: crash loudly (the pool logs it and
    // starts a replacement) rather than leave the caller waiting for an answer that never comes.
    throw new Error('unknown message type ' + msg.type);
  }
});
`;

/** How long a replacement worker may take to load the model before it counts as failed. */
const LOAD_TIMEOUT_MS = 120_000;
/** Respawn back-off after a failed replacement: 0.5 s, 1 s, 2 s … capped here. */
const RESPAWN_MAX_DELAY_MS = 30_000;

interface Call {
  resolve: (value: any) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout | null;
}

interface Death {
  reason: 'exit' | 'error' | 'timeout';
  detail: string;
}

/** One worker thread with its own session; calls are matched to replies by id. */
class SessionWorker {
  readonly thread: Worker;
  private readonly calls = new Map<number, Call>();
  private nextId = 1;
  busy = false;
  dead = false;
  /** Set by terminate(): the exit that follows is ours, not a crash. */
  private retiring = false;
  /**
   * Set when the thread may be inside a native onnxruntime call we gave up on (a missed deadline): stopping a
   * thread there is not safe (when the call returns into the stopping thread, onnxruntime-node throws a C++
   * Napi::Error that nothing catches, and std::terminate aborts the whole process; seen in our tests). Such a
   * worker is unref'd and stopped as soon as it answers, i.e. once it is back in JavaScript.
   */
  private stopWhenIdle = false;

  constructor(
    ortPath: string,
    private readonly onDeath: (worker: SessionWorker, death: Death, failedCalls: number) => void,
  ) {
    this.thread = new Worker(WORKER_SOURCE, { eval: true, workerData: { ortPath } });
    this.thread.on('message', (msg) => this.onMessage(msg));
    this.thread.on('error', (err) => this.die({ reason: 'error', detail: `${err.name}: ${err.message}` }));
    this.thread.on('exit', (code) => this.die({ reason: 'exit', detail: `exited with code ${code}` }));
  }

  /** Posts `msg`; with `timeoutMs` > 0 a missing answer rejects with InferenceTimeoutError and retires the worker. */
  request<T>(msg: Record<string, unknown>, transfer: ArrayBuffer[] = [], timeoutMs = 0): Promise<T> {
    if (this.dead) return Promise.reject(new InferenceError('the inference worker is gone'));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = timeoutMs > 0 ? setTimeout(() => this.timedOut(id, timeoutMs), timeoutMs) : null;
      this.calls.set(id, { resolve, reject, timer });
      this.thread.postMessage({ ...msg, id }, transfer);
    });
  }

  /** Stops the thread now when it is idle; one still inside a call is stopped when that call returns. */
  async terminate(): Promise<void> {
    this.retiring = true;
    this.dead = true;
    const inCall = this.calls.size > 0 || this.stopWhenIdle;
    this.rejectAll(new InferenceError('the inference pool is closing'));
    if (inCall) this.stopOnNextMessage();
    else await this.thread.terminate();
  }

  private onMessage(msg: { type: string; id: number; res?: BatchOutput; message?: string }): void {
    if (this.stopWhenIdle) {
      // A late answer from a worker we gave up on: it is back in JavaScript, so it can be stopped safely now.
      this.thread.terminate().catch(() => undefined);
      return;
    }
    const call = this.calls.get(msg.id);
    if (!call) return;
    this.calls.delete(msg.id);
    if (call.timer) clearTimeout(call.timer);
    if (msg.type === 'error') call.reject(new InferenceError(msg.message ?? 'inference failed'));
    else call.resolve(msg.res);
  }

  private timedOut(id: number, ms: number): void {
    const call = this.calls.get(id);
    if (!call) return;
    this.calls.delete(id);
    call.reject(new InferenceTimeoutError(`the inference worker gave no answer within ${ms} ms`));
    this.die({ reason: 'timeout', detail: `no answer within ${ms} ms` });
  }

  private die(death: Death): void {
    if (this.dead) return;
    this.dead = true;
    const failed = this.calls.size;
    this.rejectAll(new InferenceError(`the inference worker ${death.detail}`));
    // After an uncaught error or an exit the thread is ending by itself; one that missed its deadline may be
    // busy in native code and is stopped when it answers.
    if (death.reason === 'timeout') this.stopOnNextMessage();
    if (this.retiring) return;
    this.onDeath(this, death, failed);
  }

  private stopOnNextMessage(): void {
    this.stopWhenIdle = true;
    // A thread stuck for good must not keep the process alive.
    this.thread.unref();
  }

  private rejectAll(err: Error): void {
    for (const call of this.calls.values()) {
      if (call.timer) clearTimeout(call.timer);
      call.reject(err);
    }
    this.calls.clear();
  }
}

export interface WorkerPoolOptions extends SessionOptions {
  workers: number;
  /**
   * Deadline per batch in ms (0: none). A batch waits at most this long for a free worker and at most
   * this long for that worker's answer; a worker that misses it is presumed hung and replaced.
   */
  callTimeoutMs?: number;
}

/**
 * `workers` threads, each with its own ORT session, so inference never blocks the event loop and
 * sockets keep flowing under load. A batch goes to an idle worker or waits for one.
 *
 * A worker that dies (uncaught exception, process.exit inside it, its JS heap full) or misses the deadline fails
 * the batch it held with a typed error and is replaced at once by a new worker on the same model file,
 * in the background, so later batches neither fail nor pay the load. The failed batch is not retried:
 * inference has no visible side effect, so a retry would duplicate nothing, but the batch that killed a
 * worker may be what killed it, and retrying it could take down the next worker too; the callers
 * already answer a failed parse (the chat turn falls back to "Sorry, …").
 */
export class WorkerPoolBackend implements InferenceBackend {
  private readonly logger = new Logger('NluWorkerPool');
  private readonly waiting = new Set<() => void>();
  private readonly respawning = new Set<number>();
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private readonly counts = { crashes: 0, timeouts: 0, respawns: 0 };
  private closed = false;

  private constructor(
    private readonly workers: SessionWorker[],
    private readonly onnxPath: string,
    private readonly opts: WorkerPoolOptions,
  ) {}

  get capacity(): number {
    return this.workers.length;
  }

  static async create(onnxPath: string, opts: WorkerPoolOptions): Promise<WorkerPoolBackend> {
    const pool = new WorkerPoolBackend([], onnxPath, opts);
    try {
      for (let i = 0; i < opts.workers; i++) pool.workers.push(await pool.spawn());
    } catch (err) {
      await pool.close();
      throw err;
    }
    return pool;
  }

  health(): BackendHealth {
    return { alive: this.workers.filter((w) => !w.dead).length, ...this.counts };
  }

  /** The current worker threads, one per slot (tests crash one on purpose). */
  threads(): Worker[] {
    return this.workers.map((w) => w.thread);
  }

  async run(input: BatchInput): Promise<BatchOutput> {
    const timeoutMs = this.opts.callTimeoutMs ?? 0;
    const worker = await this.acquire(timeoutMs > 0 ? performance.now() + timeoutMs : Infinity);
    try {
      return await worker.request<BatchOutput>(
        { type: 'run', ids: input.ids, mask: input.mask, batch: input.batch, seq: input.seq },
        [input.ids.buffer as ArrayBuffer, input.mask.buffer as ArrayBuffer],
        timeoutMs,
      );
    } finally {
      this.release(worker);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const wake of [...this.waiting]) wake();
    for (const timer of this.retryTimers) clearTimeout(timer);
    this.retryTimers.clear();
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
  }

  private async spawn(): Promise<SessionWorker> {
    const worker = new SessionWorker(require.resolve('onnxruntime-node'), (w, death, failed) => this.onDeath(w, death, failed));
    const options = ortSessionOptions(this.opts);
    try {
      await worker.request({ type: 'load', path: this.onnxPath, options }, [], LOAD_TIMEOUT_MS);
    } catch (err) {
      await worker.terminate();
      throw new ModelLoadError('MODEL_SESSION_FAILED', `onnxruntime cannot load ${this.onnxPath}: ${(err as Error).message}`);
    }
    return worker;
  }

  private onDeath(worker: SessionWorker, death: Death, failedCalls: number): void {
    const slot = this.workers.indexOf(worker);
    // A worker that dies while loading is not in a slot yet: its spawn() reports the failure.
    if (slot < 0 || this.closed) return;
    if (death.reason === 'timeout') this.counts.timeouts++;
    else this.counts.crashes++;
    // No message text here: a worker only ever sees token ids, and the log says which slot and why.
    this.logger.error({
      event: 'nlu.worker.crashed',
      slot,
      reason: death.reason,
      detail: death.detail,
      failedCalls,
      alive: this.health().alive,
      capacity: this.capacity,
    });
    this.respawn(slot, 0);
  }

  /** Loads a new worker into `slot` in the background; on failure tries again with a growing delay. */
  private respawn(slot: number, attempt: number): void {
    if (this.closed || this.respawning.has(slot)) return;
    this.respawning.add(slot);
    const started = performance.now();
    this.spawn().then(
      (fresh) => {
        this.respawning.delete(slot);
        if (this.closed) {
          void fresh.terminate();
          return;
        }
        this.workers[slot] = fresh;
        this.counts.respawns++;
        this.logger.log({ event: 'nlu.worker.replaced', slot, attempt, loadMs: Math.round(performance.now() - started) });
        this.wakeOne();
      },
      (err: Error) => {
        this.respawning.delete(slot);
        if (this.closed) return;
        const retryInMs = Math.min(RESPAWN_MAX_DELAY_MS, 500 * 2 ** attempt);
        this.logger.error({ event: 'nlu.worker.respawn_failed', slot, attempt, retryInMs, code: (err as { code?: string }).code, message: err.message });
        const timer = setTimeout(() => {
          this.retryTimers.delete(timer);
          this.respawn(slot, attempt + 1);
        }, retryInMs);
        // The live workers (or a caller waiting on its deadline) keep the process up; a retry alone should not.
        timer.unref();
        this.retryTimers.add(timer);
      },
    );
  }

  private async acquire(deadline: number): Promise<SessionWorker> {
    for (;;) {
      if (this.closed) throw new InferenceError('the inference pool is closed');
      const worker = this.workers.find((w) => !w.busy && !w.dead);
      if (worker) {
        worker.busy = true;
        return worker;
      }
      const left = deadline - performance.now();
      if (left <= 0) {
        const { alive } = this.health();
        throw new InferenceTimeoutError(`no inference worker came free within ${this.opts.callTimeoutMs} ms (${alive} of ${this.capacity} alive)`);
      }
      await this.waitForWorker(left);
    }
  }

  /** Resolves when a worker frees up or is replaced, or after `ms` (the caller re-checks either way). */
  private waitForWorker(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        if (timer) clearTimeout(timer);
        this.waiting.delete(wake);
        resolve();
      };
      const timer = Number.isFinite(ms) ? setTimeout(wake, ms) : null;
      this.waiting.add(wake);
    });
  }

  private wakeOne(): void {
    const first = this.waiting.values().next();
    if (!first.done) first.value();
  }

  private release(worker: SessionWorker): void {
    worker.busy = false;
    if (!worker.dead) this.wakeOne();
  }
}
