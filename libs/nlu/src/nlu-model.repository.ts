import { Injectable } from '@nestjs/common';
import { availableParallelism } from 'node:os';
import { CrfChain, crfChain } from './decoding';
import { BackendHealth, InferenceBackend } from './inference.types';
import { ModelLoadError } from './nlu.errors';
import { InlineBackend } from './inline.backend';
import { MicroBatcher } from './micro-batcher';
import { ModelBundle, ModelVariant, Thresholds, verifyModelFolder } from './model-manifest';
import { loadTokenizer, TokenizerImpl } from './tokenizer.loader';
import { WordPieceEncoder } from './word-piece-encoder';
import { WorkerPoolBackend } from './worker-pool.backend';

export interface NluLoadOptions {
  /** 'int8' (default) or 'fp32'. */
  variant?: ModelVariant;
  /** ORT intra-op threads per session (default: 1 with several workers, else all cores up to 4). */
  threads?: number;
  /**
   * Inference worker threads, each with its own session (default: 2 on 2+ cores, with 1 thread each).
   * On the shared 2-core box two single-threaded sessions held ~377 msgs/s in every bench run while
   * one 2-thread session swung between 182 and 428: an intra-op thread that loses its core stalls
   * the whole run. The price is ~70 MB more RSS; pass workers: 1 where memory matters more.
   */
  workers?: number;
  /**
   * 'workers' (default) keeps inference off the event loop; 'inline' runs it on the main thread,
   * which blocks the loop for every batch (onnxruntime-node 1.30) but skips the message hop.
   */
  backend?: 'workers' | 'inline';
  /**
   * Let ORT's intra-op threads spin while waiting for the next operator of a run (default off), bounded to
   * SPIN_DURATION_US and stopped when the run returns (inline.backend.ts). With threads: 2 it brings a lone
   * message from ~2.5 to ~1.5 ms on 2 cores; under load on a busy 2-core box the spinning thread costs CPU
   * the event loop needs. ORT's own unbounded spinning made the chat server 4–8× slower there.
   */
  spin?: boolean;
  /**
   * ORT's CPU memory arena and memory pattern (default on): off frees buffers after each run, which on the
   * bench gave more RSS, not less (glibc's per-thread heaps fragment; bench/results/nlu.json "arena off").
   */
  memArena?: boolean;
  /** Library that reads tokenizer.json (default '@huggingface/tokenizers'; see tokenizer.loader.ts). */
  tokenizer?: TokenizerImpl;
  /** Micro-batch window under load in ms (default 2) and largest batch (default 32). */
  batchWindowMs?: number;
  maxBatch?: number;
  /**
   * Deadline per inference batch in ms (default 10000; 0: none). A worker that does not answer in time
   * is presumed hung: the batch fails with InferenceTimeoutError and the worker is replaced. Generous on
   * purpose: a normal batch takes milliseconds, a 32-row batch on a loaded 2-core box well under a second.
   */
  callTimeoutMs?: number;
  /** Overrides of the manifest thresholds (from config). */
  thresholds?: Partial<Thresholds>;
}

const DEFAULT_CALL_TIMEOUT_MS = 10_000;

/** What `NluService.modelInfo` reports about the active model. */
export interface ModelInfo {
  name: string;
  version: string;
  variant: ModelVariant;
  dir: string;
  maxSeqLen: number;
  temperature: number;
  thresholds: Thresholds;
  labels: { intents: string[]; tags: string[]; entityTypes: string[] };
  /** callTimeoutMs: the per-batch deadline of the worker backend (0: none; the main-thread backend has none). */
  runtime: { backend: 'workers' | 'inline'; workers: number; threads: number; callTimeoutMs: number };
}

/** A verified, loaded model: tokenizer, sessions and batcher. Closing it releases the sessions. */
export interface LoadedModel {
  bundle: ModelBundle;
  info: ModelInfo;
  encoder: WordPieceEncoder;
  encodeFullText(text: string): number[];
  batcher: MicroBatcher;
  /** The learned CRF scores tag decoding adds (labels.json `crf`); null for a model without a CRF. */
  crf: CrfChain | null;
  /** The sessions behind the batcher (tests reach the worker threads through it). */
  backend: InferenceBackend;
  /** Worker crashes, timeouts and replacements since load; null for the main-thread backend. */
  health(): BackendHealth | null;
  close(): Promise<void>;
}

/**
 * The IO side of the NLU: reads and verifies a model folder, loads the tokenizer and starts the
 * ONNX sessions. Everything is checked before a session starts, so a refused folder costs nothing.
 */
@Injectable()
export class NluModelRepository {
  async load(dir: string, opts: NluLoadOptions = {}): Promise<LoadedModel> {
    const variant = opts.variant ?? 'int8';
    const bundle = await verifyModelFolder(dir, variant);
    const tokenizer = await loadTokenizer(bundle.dir, bundle.manifest.max_seq_len, opts.tokenizer);
    const kind = opts.backend ?? 'workers';
    const workers = kind === 'inline' ? 1 : Math.max(1, opts.workers ?? Math.min(2, availableParallelism()));
    const threads = Math.max(1, opts.threads ?? (workers > 1 ? 1 : Math.min(4, availableParallelism())));
    const callTimeoutMs = kind === 'inline' ? 0 : Math.max(0, opts.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS);
    const backend: InferenceBackend =
      kind === 'inline'
        ? await InlineBackend.create(bundle.onnxPath, { threads, spin: opts.spin ?? false, memArena: opts.memArena })
        : await WorkerPoolBackend.create(bundle.onnxPath, {
            threads,
            workers,
            spin: opts.spin ?? false,
            memArena: opts.memArena,
            callTimeoutMs,
          });
    const batcher = new MicroBatcher(backend, {
      windowMs: opts.batchWindowMs ?? 2,
      maxBatch: opts.maxBatch ?? 32,
      padId: 0,
    });
    // One warm-up run before the model can become active: ORT allocates and picks kernels on the
    // first run, which would otherwise land on the first customer (or the first call after a swap).
    try {
      await batcher.submit(tokenizer.encoder.encode('hello, where is my order 12345?').ids);
    } catch (err) {
      await backend.close();
      throw new ModelLoadError('MODEL_SESSION_FAILED', `the model in ${bundle.dir} fails on a test input: ${(err as Error).message}`);
    }
    const m = bundle.manifest;
    const info: ModelInfo = {
      name: m.name,
      version: m.version,
      variant,
      dir: bundle.dir,
      maxSeqLen: m.max_seq_len,
      temperature: m.calibration.temperature,
      thresholds: { ...m.thresholds, ...opts.thresholds },
      labels: { intents: bundle.labels.intents, tags: bundle.labels.tags, entityTypes: bundle.labels.entity_types },
      runtime: { backend: kind, workers, threads, callTimeoutMs },
    };
    return {
      bundle,
      info,
      encoder: tokenizer.encoder,
      encodeFullText: tokenizer.encodeFullText,
      batcher,
      crf: bundle.labels.crf ? crfChain(bundle.labels.crf) : null,
      backend,
      health: () => backend.health?.() ?? null,
      close: async () => {
        await batcher.drain();
        await backend.close();
      },
    };
  }
}
