import { BatchOutput, InferenceBackend } from './inference.types';

/** One row of a batch result, as views into the batch's buffers. */
export interface RowOutput {
  intentLogits: Float32Array; // [nIntents]
  tagLogits: Float32Array; // [seq, nTags] (the batch's padded seq)
  embedding: Float32Array; // [hidden]
  nTags: number;
}

export interface MicroBatcherOptions {
  /** Longest a request waits for company while other batches are in flight (ms). */
  windowMs: number;
  /** Most rows in one padded batch. */
  maxBatch: number;
  /** Token id used for padding (its attention mask is 0, so the value does not matter to the model). */
  padId: number;
}

/** Rows whose callers run before the event loop gets a turn (see runBatch). */
const RESOLVE_CHUNK = 8;

interface Pending {
  ids: number[];
  resolve: (row: RowOutput) => void;
  reject: (err: Error) => void;
}

/**
 * Collects concurrent requests into padded batches. A request that arrives while the backend is
 * idle is flushed on the next turn of the event loop (setImmediate, not the window), so a lone
 * call is not delayed but calls made in the same tick still share a batch. Under load (batches in
 * flight) requests wait up to `windowMs` to fill a batch; when every session is busy they wait for
 * one to free up and then go at once, since they have already waited.
 */
export class MicroBatcher {
  private queue: Pending[] = [];
  private inFlight = 0;
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private idleWaiters: (() => void)[] = [];
  /** Sizes of the recent batches sent (bounded), and how many were sent in all; for metrics and tests. */
  readonly batchSizes: number[] = [];
  batchCount = 0;

  constructor(
    private readonly backend: InferenceBackend,
    private readonly opts: MicroBatcherOptions,
  ) {}

  submit(ids: number[]): Promise<RowOutput> {
    return new Promise<RowOutput>((resolve, reject) => {
      this.queue.push({ ids, resolve, reject });
      this.schedule();
    });
  }

  /** Resolves once nothing is queued or running (used before releasing a swapped-out model). */
  drain(): Promise<void> {
    if (this.queue.length === 0 && this.inFlight === 0) return Promise.resolve();
    return new Promise((res) => this.idleWaiters.push(res));
  }

  private schedule(): void {
    if (this.inFlight >= this.backend.capacity) return; // a finishing batch will flush
    if (this.queue.length >= this.opts.maxBatch) {
      this.flush();
      return;
    }
    if (this.inFlight === 0) {
      this.immediate ??= setImmediate(() => this.flush());
    } else {
      this.timer ??= setTimeout(() => this.flush(), this.opts.windowMs);
    }
  }

  private flush(): void {
    this.clearTimers();
    while (this.queue.length > 0 && this.inFlight < this.backend.capacity) {
      const rows = this.take();
      this.inFlight++;
      this.batchSizes.push(rows.length);
      this.batchCount++;
      if (this.batchSizes.length > 10_000) this.batchSizes.splice(0, 5_000);
      void this.runBatch(rows);
    }
  }

  /**
   * The next batch. When more rows wait than fit, send the oldest with the rows closest to it in
   * length: a batch pads to its longest row, so mixing a 60-piece message into 31 short ones
   * multiplies their cost. The oldest row always goes, so a row at queue position k waits at most
   * k batches.
   */
  private take(): Pending[] {
    const max = this.opts.maxBatch;
    if (this.queue.length <= max) return this.queue.splice(0);
    const headLen = this.queue[0].ids.length;
    const chosen = new Set(
      this.queue
        .map((row, i) => ({ i, gap: Math.abs(row.ids.length - headLen) }))
        .sort((a, b) => a.gap - b.gap || a.i - b.i)
        .slice(0, max)
        .map((c) => c.i),
    );
    const rows = this.queue.filter((_, i) => chosen.has(i));
    this.queue = this.queue.filter((_, i) => !chosen.has(i));
    return rows;
  }

  private async runBatch(rows: Pending[]): Promise<void> {
    let out: BatchOutput;
    try {
      out = await this.backend.run(this.pad(rows));
    } catch (err) {
      this.finished();
      for (const row of rows) row.reject(err as Error);
      return;
    }
    // The session is free as soon as its output is here: hand it the next batch before the callers
    // of this one decode their rows on the main thread.
    this.finished();
    for (let r = 0; r < rows.length; r++) {
      rows[r].resolve(sliceRow(out, r));
      // Each resolved row runs its caller's decoding (~0.1 ms); 32 in a row would hold the event
      // loop for several ms, so let sockets and timers in between chunks.
      if ((r + 1) % RESOLVE_CHUNK === 0 && r + 1 < rows.length) await new Promise((res) => setImmediate(res));
    }
  }

  private finished(): void {
    this.inFlight--;
    if (this.queue.length > 0) this.flush();
    else if (this.inFlight === 0) for (const wake of this.idleWaiters.splice(0)) wake();
  }

  private pad(rows: Pending[]): { ids: BigInt64Array; mask: BigInt64Array; batch: number; seq: number } {
    const seq = Math.max(...rows.map((r) => r.ids.length));
    const ids = new BigInt64Array(rows.length * seq).fill(BigInt(this.opts.padId));
    const mask = new BigInt64Array(rows.length * seq);
    rows.forEach((row, r) => {
      for (let i = 0; i < row.ids.length; i++) {
        ids[r * seq + i] = BigInt(row.ids[i]);
        mask[r * seq + i] = 1n;
      }
    });
    return { ids, mask, batch: rows.length, seq };
  }

  private clearTimers(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = null;
    this.immediate = null;
  }
}

function sliceRow(out: BatchOutput, r: number): RowOutput {
  const tagRow = out.seq * out.nTags;
  return {
    intentLogits: out.intentLogits.subarray(r * out.nIntents, (r + 1) * out.nIntents),
    tagLogits: out.tagLogits.subarray(r * tagRow, (r + 1) * tagRow),
    embedding: out.embedding.subarray(r * out.hidden, (r + 1) * out.hidden),
    nTags: out.nTags,
  };
}
