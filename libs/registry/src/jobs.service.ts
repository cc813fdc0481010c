import { Injectable } from '@nestjs/common';
import { JOB_CHANNEL, JOB_OVERRIDE_KEYS } from '@app/contracts';
import type { AuthUser, JobDetailView, JobStatus, TrainingJobEventView, TrainingJobView } from '@app/contracts';
import { TrainingJobEntity, TrainingJobEventEntity, TrainingJobRepository } from '@app/database';
import { isUuid } from './model-registry.service';
import { PgChannelRepository } from './pg-channel.repository';
import { JobConfigUnknownError, JobFinishedError, JobNotFoundError } from './registry.errors';
import { TrainingFilesRepository } from './training-files.repository';

export const DEFAULT_JOB_CONFIG = 'support';
const EVENTS_PAGE = 500;

/** The admin side of the job queue: enqueue, read with events, cancel. Workers run the jobs (JobWorkerService). */
@Injectable()
export class JobsService {
  constructor(
    private readonly jobs: TrainingJobRepository,
    private readonly files: TrainingFilesRepository,
    private readonly channel: PgChannelRepository,
  ) {}

  async configs(): Promise<{ items: { name: string; default: boolean }[] }> {
    return { items: (await this.files.configNames()).map((name) => ({ name, default: name === DEFAULT_JOB_CONFIG })) };
  }

  /** Queues a job for an allow-listed config name (never a path) with numeric overrides of known keys. */
  async create(input: { config?: string; overrides?: Record<string, number> }, actor: AuthUser | null): Promise<TrainingJobView> {
    const config = input.config ?? DEFAULT_JOB_CONFIG;
    const allowed = await this.files.configNames();
    if (!allowed.includes(config)) throw new JobConfigUnknownError(config, allowed);
    const overrides = Object.fromEntries(Object.entries(input.overrides ?? {}).filter(([k, v]) => (JOB_OVERRIDE_KEYS as readonly string[]).includes(k) && v !== undefined));
    const job = await this.jobs.create({ config, overrides, createdBy: actor?.id ?? null });
    await this.jobs.appendEvents(job.id, [{ type: 'status', data: { status: 'queued', config, overrides } }]);
    await this.channel.publish(JOB_CHANNEL, job.id);
    return toJobView(job);
  }

  async list(filter: { status?: JobStatus; limit?: number }): Promise<{ items: TrainingJobView[] }> {
    const rows = await this.jobs.list({ status: filter.status, limit: Math.min(Math.max(filter.limit ?? 50, 1), 200) });
    return { items: rows.map(toJobView) };
  }

  async get(id: string, since?: number): Promise<JobDetailView> {
    const job = await this.find(id);
    const events = await this.jobs.events(id, since, EVENTS_PAGE);
    const nextSince = events.length ? Number(events[events.length - 1].seq) : (since ?? 0);
    return { job: toJobView(job), events: events.map(toEventView), nextSince };
  }

  async cancel(id: string): Promise<TrainingJobView> {
    const job = await this.find(id);
    const updated = await this.jobs.requestCancel(id);
    if (!updated) throw new JobFinishedError(job.status);
    if (updated.status === 'cancelled') await this.jobs.appendEvents(id, [{ type: 'status', data: { status: 'cancelled' } }]);
    await this.channel.publish(JOB_CHANNEL, id);
    return toJobView(updated);
  }

  private async find(id: string): Promise<TrainingJobEntity> {
    const job = isUuid(id) ? await this.jobs.findById(id) : null;
    if (!job) throw new JobNotFoundError(id);
    return job;
  }
}

export function toJobView(j: TrainingJobEntity): TrainingJobView {
  return {
    id: j.id,
    status: j.status,
    config: j.config,
    overrides: j.overrides,
    datasetHash: j.datasetHash,
    progress: j.progress,
    logTail: j.logTail,
    error: j.error,
    modelVersionId: j.modelVersionId,
    cancelRequested: j.cancelRequested,
    attempts: j.attempts,
    createdBy: j.createdBy,
    workerId: j.workerId,
    createdAt: j.createdAt.toISOString(),
    startedAt: j.startedAt?.toISOString() ?? null,
    finishedAt: j.finishedAt?.toISOString() ?? null,
    heartbeatAt: j.heartbeatAt?.toISOString() ?? null,
  };
}

export function toEventView(e: TrainingJobEventEntity): TrainingJobEventView {
  return { seq: Number(e.seq), type: e.type, data: e.data, createdAt: e.createdAt.toISOString() };
}
