/** One padded batch for the ONNX graph: row-major `[batch, seq]` int64 ids and mask. */
export interface BatchInput {
  ids: BigInt64Array;
  mask: BigInt64Array;
  batch: number;
  seq: number;
}

/** The three graph outputs of docs/model-format.md, flattened row-major. */
export interface BatchOutput {
  intentLogits: Float32Array; // [batch, nIntents]
  tagLogits: Float32Array; // [batch, seq, nTags]
  embedding: Float32Array; // [batch, hidden]
  batch: number;
  seq: number;
  nIntents: number;
  nTags: number;
  hidden: number;
  /** session.run time inside the worker (worker backend only; the bench's latency breakdown). */
  runMs?: number;
}

export interface SessionOptions {
  /** ORT intra-op threads per session. */
  threads: number;
  /** Let ORT's intra-op threads spin while waiting for work (see NluLoadOptions.spin). */
  spin?: boolean;
  /** ORT's CPU arena + memory pattern (default on: less RSS and p99 measured; see ortSessionOptions). */
  memArena?: boolean;
}

/** What the inference workers have been through since the model was loaded (for metrics, health and tests). */
export interface BackendHealth {
  /** Sessions able to take a batch now (a crashed worker counts again once its replacement has loaded). */
  alive: number;
  /** Workers that exited or threw outside a batch's error handling. */
  crashes: number;
  /** Batches that got no answer within the deadline (their worker was replaced). */
  timeouts: number;
  /** Replacement workers that loaded the model. */
  respawns: number;
}

/** Runs padded batches on an ONNX session somewhere (main thread or worker threads). */
export interface InferenceBackend {
  /** How many batches can run at the same time (number of sessions). */
  readonly capacity: number;
  run(input: BatchInput): Promise<BatchOutput>;
  close(): Promise<void>;
  health?(): BackendHealth;
}
