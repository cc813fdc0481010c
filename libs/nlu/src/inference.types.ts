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
}

export interface SessionOptions {
  /** ORT intra-op threads per session. */
  threads: number;
  /** Let ORT's intra-op threads spin while waiting for work (see NluLoadOptions.spin). */
  spin?: boolean;
  /** ORT's CPU arena + memory pattern (default on: less RSS and p99 measured; see ortSessionOptions). */
  memArena?: boolean;
}

/** Runs padded batches on an ONNX session somewhere (main thread or worker threads). */
export interface InferenceBackend {
  /** How many batches can run at the same time (number of sessions). */
  readonly capacity: number;
  run(input: BatchInput): Promise<BatchOutput>;
  close(): Promise<void>;
}
