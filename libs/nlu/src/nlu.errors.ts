/** Typed NLU errors: every expected failure carries a stable `code` the gateways map to `{ code, message }`. */
export abstract class NluError extends Error {
  abstract readonly code: string;

  toJSON(): { code: string; message: string } {
    return { code: this.code, message: this.message };
  }
}

/** `parse`/`embed` was called before a model finished loading, or after `close()`. */
export class ModelNotReadyError extends NluError {
  readonly code = 'MODEL_NOT_READY';

  constructor(message = 'No NLU model is loaded yet') {
    super(message);
    this.name = 'ModelNotReadyError';
  }
}

export type ModelLoadErrorCode =
  | 'MODEL_DIR_MISSING'
  | 'MODEL_FILE_MISSING'
  | 'MODEL_MANIFEST_INVALID'
  | 'MODEL_MANIFEST_MISMATCH'
  | 'MODEL_SCHEMA_UNSUPPORTED'
  | 'MODEL_LABELS_INVALID'
  | 'MODEL_SESSION_FAILED'
  | 'MODEL_TOKENIZER_FAILED';

/** A model folder was refused; the previously active model (if any) stays active. */
export class ModelLoadError extends NluError {
  constructor(
    readonly code: ModelLoadErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ModelLoadError';
  }
}

export type InvalidInputCode = 'NLU_INPUT_NOT_STRING' | 'NLU_INPUT_EMPTY' | 'NLU_INPUT_INVALID_OPTION';

/** The caller passed something the model cannot parse (not a string, nothing left after normalisation, bad option). */
export class InvalidInputError extends NluError {
  constructor(
    message: string,
    readonly code: InvalidInputCode = 'NLU_INPUT_NOT_STRING',
  ) {
    super(message);
    this.name = 'InvalidInputError';
  }
}

/** The inference worker died or failed on a batch; the call can be retried. */
export class InferenceError extends NluError {
  readonly code = 'NLU_INFERENCE_FAILED';

  constructor(message: string) {
    super(message);
    this.name = 'InferenceError';
  }
}

/**
 * A batch got no answer within the per-call deadline (`NluLoadOptions.callTimeoutMs`): its worker is
 * presumed hung and replaced, or no worker came free in time. Like InferenceError, the call can be retried.
 */
export class InferenceTimeoutError extends NluError {
  readonly code = 'NLU_INFERENCE_TIMEOUT';

  constructor(message: string) {
    super(message);
    this.name = 'InferenceTimeoutError';
  }
}
