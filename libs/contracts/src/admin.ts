/**
 * Admin API types: transcript import, training jobs, model registry and the promotion gate
 * (docs/api-admin.md). Shared by the server, the worker, the e2e tests and the admin pages.
 */

export type ModelStatus = 'candidate' | 'active' | 'retired' | 'failed';
export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
export type JobPhase = 'queued' | 'snapshot' | 'training' | 'exporting' | 'registering' | 'evaluating' | 'done';
export type TranscriptFormat = 'jsonl' | 'csv';
export type TranscriptImportMode = 'reject_file' | 'valid_rows';

/** The headline figures of a model or an evaluation (points, 0–100). */
export interface HeadlineMetrics {
  intent_accuracy: number;
  intent_macro_f1: number;
  slot_f1: number;
  exact_match: number;
}

export interface ModelVersionView {
  id: string;
  version: string;
  name: string;
  status: ModelStatus;
  dir: string;
  metrics: HeadlineMetrics | null;
  gate: { passed: boolean; forced?: boolean; summary: string } | null;
  jobId: string | null;
  previousId: string | null;
  createdAt: string;
  promotedAt: string | null;
  promotedBy: string | null;
}

export interface ModelVersionDetail extends Omit<ModelVersionView, 'gate'> {
  manifest: Record<string, unknown>;
  fullMetrics: Record<string, unknown> | null;
  gate: GateReport | null;
}

export interface GateIntentRow {
  intent: string;
  support: number;
  candidateF1: number;
  baselineF1: number | null;
  delta: number | null;
}

export interface GateSetReport {
  name: 'test' | 'reviewed';
  n: number;
  candidate: HeadlineMetrics;
  baseline: HeadlineMetrics | null;
  delta: HeadlineMetrics | null;
  perIntent: GateIntentRow[];
  /** Rows = gold, columns = predicted, over `labels` (the candidate's intents; a last row collects gold intents it does not know). */
  confusion: { labels: string[]; candidate: number[][]; baseline: number[][] | null };
}

export interface GateReport {
  passed: boolean;
  tolerance: number;
  candidate: { id: string; version: string };
  baseline: { id: string; version: string } | null;
  sets: GateSetReport[];
  failures: string[];
  evaluatedAt: string;
  forced?: { by: string | null; reason: string; at: string };
}

export interface PromoteResult {
  model: ModelVersionView;
  previousId: string | null;
}

export interface JobProgress {
  phase: JobPhase;
  epoch?: number;
  epochs?: number;
  step?: number;
  steps?: number;
  loss?: number;
  dev?: Partial<HeadlineMetrics>;
}

export interface TrainingJobView {
  id: string;
  status: JobStatus;
  config: string;
  overrides: Record<string, number>;
  datasetHash: string | null;
  progress: JobProgress;
  logTail: string[];
  error: { code: string; message: string } | null;
  modelVersionId: string | null;
  cancelRequested: boolean;
  attempts: number;
  createdBy: string | null;
  workerId: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  heartbeatAt: string | null;
}

export type JobEventType = 'status' | 'progress' | 'log';

export interface TrainingJobEventView {
  seq: number;
  type: JobEventType;
  data: Record<string, unknown>;
  createdAt: string;
}

export interface JobDetailView {
  job: TrainingJobView;
  events: TrainingJobEventView[];
  nextSince: number;
}

/** Keys a job may override in its training config (numbers only; everything else comes from the allow-listed file). */
export const JOB_OVERRIDE_KEYS = ['epochs', 'lr', 'max_train'] as const;
export type JobOverrideKey = (typeof JOB_OVERRIDE_KEYS)[number];

export interface TranscriptRowError {
  line: number;
  field: string;
  code: string;
  message: string;
}

export interface TranscriptImportResult {
  mode: TranscriptImportMode;
  conversations: number;
  messages: number;
  customerTurns: number;
  labelledTurns: number;
  trainingExamples: number;
  reviewItems: number;
  modelVersion: string | null;
  errors: TranscriptRowError[];
}

/** PostgreSQL NOTIFY channels (payload: the row id). */
export const MODEL_CHANNEL = 'parley_model';
export const JOB_CHANNEL = 'parley_job';

/** `DELETE /api/models/:id`: the row is gone; the folder too unless another version uses it or it is not ours. */
export interface ModelDeleteResult {
  id: string;
  version: string;
  folderRemoved: boolean;
}

/** Per-group counts of bot replies in an analytics period. */
export interface ReplyCounts {
  /** Bot replies. */
  turns: number;
  /** Of those, answered by the bot: a template, a question for a missing entity, or an article. */
  answered: number;
  /** Of those, the fallback ("could you rephrase, or talk to a person?"). */
  fallback: number;
  /** Thumbs down given to them. */
  thumbsDown: number;
}

/**
 * `GET /api/analytics/summary?days=N`: how the bot did over the last N days (UTC), from the stored conversations
 * (docs/api-admin.md). Rates are 0..1, null when there is nothing to divide by.
 */
export interface AnalyticsSummary {
  from: string;
  to: string;
  days: number;
  conversations: {
    /** Conversations started in the period in which the customer wrote something (imported transcripts excluded). */
    started: number;
    /** Of those, handed to a person at some point (waiting, with an agent, or handed back since). */
    handedOff: number;
    /** 1 − handedOff / started: conversations the bot handled alone. */
    containmentRate: number | null;
  };
  replies: ReplyCounts & {
    byRoute: Record<'template' | 'slot_prompt' | 'retrieval' | 'fallback', number>;
    answeredRate: number | null;
    fallbackRate: number | null;
  };
  feedback: { up: number; down: number; satisfaction: number | null };
  /** Customers' 1–5 ratings of the person who helped (after a handoff), given in the period; satisfied = 4 or 5. */
  csat: {
    responses: number;
    average: number | null;
    satisfiedRate: number | null;
    /** The same per agent (the one who last wrote to the customer in that handoff), most ratings first, up to 20. */
    byAgent: Array<{ agentId: string | null; name: string | null; responses: number; average: number | null; satisfiedRate: number | null }>;
  };
  /** Review items waiting for an agent now (not limited to the period). */
  reviewPending: number;
  /** The intents the model gave the most replies, with how many fell back or got a thumbs down (top 10). */
  intents: Array<ReplyCounts & { intent: string }>;
  /** The model versions that answered in the period, newest first (up to 5): compare a promoted version with the one before. */
  models: Array<ReplyCounts & { version: string; firstSeen: string }>;
  /** One row per day of the period, oldest first, days without replies included. */
  daily: Array<{ date: string; conversations: number; turns: number; fallback: number }>;
}
