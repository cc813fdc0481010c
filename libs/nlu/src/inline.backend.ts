import * as ort from 'onnxruntime-node';
import { InferenceError, ModelLoadError } from './nlu.errors';
import { BatchInput, BatchOutput, InferenceBackend, SessionOptions } from './inference.types';

/** Session options shared by the main-thread and worker backends (plain data: it crosses postMessage). */
export function ortSessionOptions(opts: SessionOptions): ort.InferenceSession.SessionOptions {
  return {
    intraOpNumThreads: opts.threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    // On by default: on a quiet machine the arena gave less RSS (310 vs 404 MB for 2 sessions) and a lower
    // p99 (6 vs 11 ms) than freeing buffers after each run, which fragments the process heap; the bench
    // keeps an "arena off" row so the trade-off stays measured (bench/results/nlu.json).
    enableCpuMemArena: opts.memArena ?? true,
    enableMemPattern: opts.memArena ?? true,
    extra: {
      // Spinning, when on, is bounded: an intra-op thread waits at most SPIN_DURATION_US for the next parallel
      // section before it sleeps, and stops spinning as soon as the run returns (force_spinning_stop), so the
      // threads keep the gaps between a run's operators short without holding a core between runs.
      session: {
        intra_op: { allow_spinning: opts.spin === false ? '0' : '1', spin_duration_us: String(SPIN_DURATION_US) },
        force_spinning_stop: '1',
      },
      optimization: { disable_specified_optimizers: DISABLED_OPTIMIZERS.join(',') },
    },
  };
}

/**
 * How long an idle intra-op thread spins before it sleeps (onnxruntime's `session.intra_op.spin_duration_us`).
 * Long enough to bridge the gaps between the operators of one run (tens of µs), short enough that a thread gives
 * its core back to the event loop and the database when no run needs it. With onnxruntime's own unbounded spin
 * the 1×2 profile made the chat server's reply p50 4–8× slower than 2×1; bounded, the two were within the
 * run-to-run noise of `bench:chat` (README, NLU runtime).
 */
export const SPIN_DURATION_US = 50;

/**
 * onnxruntime optimizers the runtime must not apply. SkipLayerNormFusion re-fuses the residual Add +
 * LayerNormalization that the export leaves apart (training/…/export.py `optimize_fp32`): onnxruntime's CPU
 * SkipLayerNormalization kernel took ~40 µs on a 16×384 input where Add + LayerNormalization took ~11–17 µs,
 * 12 of them per 6-layer pass (see README, NLU runtime). Python's bench and the export's parity session use the same list.
 */
export const DISABLED_OPTIMIZERS: readonly string[] = ['SkipLayerNormFusion'];

export function toBatchOutput(out: ort.InferenceSession.OnnxValueMapType, batch: number, seq: number): BatchOutput {
  const intent = out.intent_logits;
  const tags = out.tag_logits;
  const emb = out.sentence_embedding;
  if (!intent || !tags || !emb) throw new InferenceError('the graph did not return intent_logits, tag_logits and sentence_embedding');
  return {
    intentLogits: intent.data as Float32Array,
    tagLogits: tags.data as Float32Array,
    embedding: emb.data as Float32Array,
    batch,
    seq,
    nIntents: intent.dims[1],
    nTags: tags.dims[2],
    hidden: emb.dims[1],
  };
}

/**
 * The session on the main thread. onnxruntime-node 1.30's `run()` only defers the synchronous
 * native call with setImmediate (microsoft/onnxruntime#26968), so this blocks the event loop for
 * the whole inference; it exists for the CLI, for scripts and as the baseline the bench compares
 * the worker pool against.
 */
export class InlineBackend implements InferenceBackend {
  readonly capacity = 1;

  private constructor(private readonly session: ort.InferenceSession) {}

  static async create(onnxPath: string, opts: SessionOptions): Promise<InlineBackend> {
    try {
      return new InlineBackend(await ort.InferenceSession.create(onnxPath, ortSessionOptions(opts)));
    } catch (err) {
      throw new ModelLoadError('MODEL_SESSION_FAILED', `onnxruntime cannot load ${onnxPath}: ${(err as Error).message}`);
    }
  }

  async run(input: BatchInput): Promise<BatchOutput> {
    const feeds = {
      input_ids: new ort.Tensor('int64', input.ids, [input.batch, input.seq]),
      attention_mask: new ort.Tensor('int64', input.mask, [input.batch, input.seq]),
    };
    try {
      return toBatchOutput(await this.session.run(feeds), input.batch, input.seq);
    } catch (err) {
      if (err instanceof InferenceError) throw err;
      throw new InferenceError(`onnxruntime failed: ${(err as Error).message}`);
    }
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
