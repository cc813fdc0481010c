import { DomainError } from '@app/contracts';
import type { GateReport, TranscriptRowError } from '@app/contracts';

/** Typed refusals of the registry, the job queue and the transcript import (mapped by the HTTP filter). */
export const RegistryErrorCode = {
  ModelNotFound: 'MODEL_NOT_FOUND',
  ModelAlreadyActive: 'MODEL_ALREADY_ACTIVE',
  ModelInvalid: 'MODEL_INVALID',
  GateFailed: 'GATE_FAILED',
  GatePending: 'GATE_PENDING',
  ReasonRequired: 'REASON_REQUIRED',
  NoPreviousModel: 'NO_PREVIOUS_MODEL',
  ModelInUse: 'MODEL_IN_USE',
  JobNotFound: 'JOB_NOT_FOUND',
  JobFinished: 'JOB_FINISHED',
  JobConfigUnknown: 'JOB_CONFIG_UNKNOWN',
  TranscriptInvalid: 'TRANSCRIPT_INVALID',
  TranscriptEmpty: 'TRANSCRIPT_EMPTY',
  TranscriptTooLarge: 'TRANSCRIPT_TOO_LARGE',
} as const;

export class ModelNotFoundError extends DomainError {
  constructor(id: string) {
    super(RegistryErrorCode.ModelNotFound, `No model version ${id}`, 404);
  }
}

export class ModelAlreadyActiveError extends DomainError {
  constructor(version: string) {
    super(RegistryErrorCode.ModelAlreadyActive, `Model ${version} is already active`, 409);
  }
}

/** The folder does not load (missing, manifest or hash mismatch, ONNX refused); nothing was changed. */
export class ModelInvalidError extends DomainError {
  constructor(message: string) {
    super(RegistryErrorCode.ModelInvalid, message, 422);
  }
}

export class GateFailedError extends DomainError {
  constructor(readonly gate: GateReport) {
    super(RegistryErrorCode.GateFailed, `The candidate is worse than the active model: ${gate.failures.join('; ')}. Promote with force and a reason to override.`, 409);
  }

  override toJSON() {
    return { code: this.code, message: this.message, gate: this.gate };
  }
}

export class GatePendingError extends DomainError {
  constructor() {
    super(RegistryErrorCode.GatePending, 'This version has no gate report yet; promote with force and a reason, or wait for the evaluation', 409);
  }
}

export class ReasonRequiredError extends DomainError {
  constructor() {
    super(RegistryErrorCode.ReasonRequired, 'A forced promotion needs a reason', 400);
  }
}

/** A version that serves (the active one) or that a rollback would return to cannot be deleted. */
export class ModelInUseError extends DomainError {
  constructor(version: string, why: string) {
    super(RegistryErrorCode.ModelInUse, `Model ${version} cannot be deleted: ${why}`, 409);
  }
}

export class NoPreviousModelError extends DomainError {
  constructor() {
    super(RegistryErrorCode.NoPreviousModel, 'There is no previously active model to roll back to', 409);
  }
}

export class JobNotFoundError extends DomainError {
  constructor(id: string) {
    super(RegistryErrorCode.JobNotFound, `No training job ${id}`, 404);
  }
}

export class JobFinishedError extends DomainError {
  constructor(status: string) {
    super(RegistryErrorCode.JobFinished, `The job already ended (${status})`, 409);
  }
}

export class JobConfigUnknownError extends DomainError {
  constructor(name: string, allowed: string[]) {
    super(RegistryErrorCode.JobConfigUnknown, `Unknown training config ${JSON.stringify(name)}; one of: ${allowed.join(', ')}`, 400);
  }
}

export class TranscriptInvalidError extends DomainError {
  constructor(readonly errors: TranscriptRowError[]) {
    super(RegistryErrorCode.TranscriptInvalid, `${errors.length} invalid row(s); nothing was imported`, 400);
  }

  override toJSON() {
    return { code: this.code, message: this.message, errors: this.errors };
  }
}

export class TranscriptEmptyError extends DomainError {
  constructor(message = 'The file has no conversations') {
    super(RegistryErrorCode.TranscriptEmpty, message, 400);
  }
}

export class TranscriptTooLargeError extends DomainError {
  constructor(message: string) {
    super(RegistryErrorCode.TranscriptTooLarge, message, 413);
  }
}
