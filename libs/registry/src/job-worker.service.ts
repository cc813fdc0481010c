import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { APP_CONFIG, AppConfig } from '@app/config';
import { JOB_CHANNEL } from '@app/contracts';
import type { JobOverrideKey } from '@app/contracts';
import { TrainingJobEntity, TrainingJobRepository } from '@app/database';
import { DatasetSnapshotService } from './dataset-snapshot.service';
import { GateService } from './gate.service';
import { JobEventsBuffer } from './job-events.buffer';
import { ModelRegistryService } from './model-registry.service';
import { PgChannelRepository } from './pg-channel.repository';
import { TrainingFilesRepository } from './training-files.repository';
import { RunningProcess, TrainingProcessRepository } from './training-process.repository';

export const WORKER_OPTIONS = Symbol('WORKER_OPTIONS');

export interface WorkerOptions {
  /** Start taking jobs when the app boots. */
  enabled: boolean;
  /** How often an idle worker looks for a job (a NOTIFY on `parley_job` wakes it sooner). */
  pollMs: number;
  heartbeatMs: number;
  flushMs: number;
  maxAttempts: number;
  workerId?: string;
}

export const DEFAULT_WORKER_OPTIONS: WorkerOptions = { enabled: true, pollMs: 5000, heartbeatMs: 2000, flushMs: 1000, maxAttempts: 3 };

/** `--set` names of the overrides a job may carry. */
const OVERRIDE_SETTINGS: Record<JobOverrideKey, string> = { epochs: 'epochs', lr: 'lr', max_train: 'data.max_train' };

interface Current {
  job: TrainingJobEntity;
  proc: RunningProcess | null;
  cancelled: boolean;
  lost: boolean;
  /** The exported folder is a registered model version (and must stay). */
  registered: boolean;
}

/**
 * Takes training jobs from the PostgreSQL queue one at a time: claim (SKIP LOCKED), snapshot the dataset, run
 * `nlu_training all` as a child process streaming its progress, register the exported folder as a candidate,
 * run the gate. Heartbeats while running; a cancel request or a lost claim kills the child.
 */
@Injectable()
export class JobWorkerService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('JobWorker');
  readonly workerId: string;
  private active = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private current: Current | null = null;
  private unsubscribe: (() => void) | null = null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(WORKER_OPTIONS) private readonly options: WorkerOptions,
    private readonly jobs: TrainingJobRepository,
    private readonly registry: ModelRegistryService,
    private readonly datasets: DatasetSnapshotService,
    private readonly gate: GateService,
    private readonly files: TrainingFilesRepository,
    private readonly processes: TrainingProcessRepository,
    private readonly channel: PgChannelRepository,
  ) {
    this.workerId = options.workerId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.options.enabled) await this.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.stop();
  }

  async start(): Promise<void> {
    if (this.active) return;
    this.active = true;
    this.unsubscribe = await this.channel.subscribe(JOB_CHANNEL, () => this.wake?.());
    this.logger.log({ event: 'worker.started', workerId: this.workerId });
    this.loop = this.runLoop();
  }

  /** Stops taking jobs; a job in progress is killed and handed back to the queue for another worker. */
  async stop(): Promise<void> {
    if (!this.active) return;
    this.active = false;
    this.unsubscribe?.();
    this.wake?.();
    if (this.current) {
      this.current.lost = true;
      this.current.proc?.kill();
    }
    await this.loop;
    this.logger.log({ event: 'worker.stopped', workerId: this.workerId });
  }

  private async runLoop(): Promise<void> {
    while (this.active) {
      try {
        const stale = await this.jobs.requeueStale(this.config.training.jobStaleSeconds, this.options.maxAttempts);
        if (stale.requeued.length || stale.failed.length) this.logger.warn({ event: 'worker.stale_jobs', ...stale });
        const job = await this.jobs.claim(this.workerId);
        if (job) await this.execute(job);
        else await this.idle(this.options.pollMs);
      } catch (error) {
        this.logger.error({ event: 'worker.loop_error', message: (error as Error).message });
        await this.idle(this.options.pollMs);
      }
    }
  }

  private idle(ms: number): Promise<void> {
    return new Promise((resolveIdle) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolveIdle();
      }
      this.wake = () => {
        this.wake = null;
        done();
      };
    });
  }

  private async execute(job: TrainingJobEntity): Promise<void> {
    const cur: Current = { job, proc: null, cancelled: false, lost: false, registered: false };
    this.current = cur;
    const events = new JobEventsBuffer(job.id, this.jobs, this.channel, this.options.flushMs, { phase: 'snapshot' });
    events.status('running', { workerId: this.workerId, attempt: job.attempts });
    this.logger.log({ event: 'job.started', jobId: job.id, config: job.config, workerId: this.workerId });
    const heartbeat = setInterval(() => void this.beat(cur), this.options.heartbeatMs);
    let outcome: { status: 'succeeded' | 'failed' | 'cancelled'; error: { code: string; message: string } | null };
    try {
      outcome = await this.runJob(cur, events);
    } catch (error) {
      const e = error as { code?: string; message?: string };
      outcome = { status: 'failed', error: { code: typeof e.code === 'string' ? e.code : 'JOB_FAILED', message: e.message ?? String(error) } };
    } finally {
      clearInterval(heartbeat);
      this.current = null;
    }
    if (cur.lost) {
      // Stopped or lost the claim: a worker that still owns the job hands it back; otherwise another has it.
      await events.close();
      await this.jobs.release(job.id, this.workerId);
      this.logger.warn({ event: 'job.released', jobId: job.id });
      return;
    }
    if (cur.cancelled) outcome = { status: 'cancelled', error: null };
    await this.removeScratch(cur);
    events.setProgress({ phase: 'done' });
    events.status(outcome.status, outcome.error ? { error: outcome.error } : {});
    await events.close();
    const owned = await this.jobs.finish(job.id, this.workerId, outcome.status, outcome.error);
    await this.channel.publish(JOB_CHANNEL, job.id);
    this.logger.log({ event: 'job.finished', jobId: job.id, status: outcome.status, error: outcome.error, owned });
  }

  private async runJob(cur: Current, events: JobEventsBuffer): Promise<{ status: 'succeeded' | 'failed' | 'cancelled'; error: { code: string; message: string } | null }> {
    const { job } = cur;
    const snap = await this.datasets.snapshot();
    await this.jobs.update(job.id, { datasetHash: snap.hash, datasetDir: snap.dir });
    events.log(`dataset ${snap.hash.slice(0, 16)}: ${snap.counts.labelled} labelled examples (+${snap.counts.heldOut} held out for the gate) + ${snap.counts.base} base`);
    if (cur.cancelled || cur.lost) return { status: 'cancelled', error: null };

    const out = this.files.jobModelDir(job.id);
    const overrides = Object.entries(job.overrides).flatMap(([k, v]) => (k in OVERRIDE_SETTINGS ? ['--set', `${OVERRIDE_SETTINGS[k as JobOverrideKey]}=${v}`] : []));
    const args = ['all', '--config', this.files.configPath(job.config), '--set', `data.path=${resolve(snap.dir)}`, '--set', 'data.source=canonical', ...overrides];
    args.push('--out', out, '--work', this.files.jobWorkDir(job.id), '--progress-jsonl', '-');
    events.setProgress({ phase: 'training' });
    cur.proc = this.processes.run(this.config.training.python, args, (l) => events.handleLine(l));
    const { code, signal } = await cur.proc.done;
    cur.proc = null;
    if (cur.cancelled || cur.lost) return { status: 'cancelled', error: null };
    if (code !== 0) return { status: 'failed', error: { code: 'TRAINING_FAILED', message: `training exited with ${code ?? signal}: ${events.lastError ?? events.stderrTail.slice(-2).join(' | ')}` } };

    events.setProgress({ phase: 'registering' });
    const model = await this.registry.register(out, { status: 'candidate', jobId: job.id });
    cur.registered = true;
    await this.jobs.update(job.id, { modelVersionId: model.id });
    events.log(`registered ${model.version} as candidate ${model.id}`);

    events.setProgress({ phase: 'evaluating' });
    const gate = await this.gate.evaluate(model, (l) => events.log(l.line, l.stream));
    events.log(gate.passed ? `gate passed${gate.baseline ? ` against ${gate.baseline.version}` : ''}` : `gate failed: ${gate.failures.join('; ')}`);
    return { status: 'succeeded', error: null };
  }

  /**
   * A finished job leaves its model folder, if registered, and nothing else: the checkpoints (about 90 MB a job
   * with the default base) and a half-written or unregistered export would otherwise pile up with every retrain.
   * A job handed back to the queue keeps its folders, since this machine's next claim may be the same job.
   */
  private async removeScratch(cur: Current): Promise<void> {
    const dirs = [this.files.jobWorkDir(cur.job.id), ...(cur.registered ? [] : [this.files.jobModelDir(cur.job.id)])];
    for (const dir of dirs) {
      try {
        await this.files.removeDir(dir);
      } catch (error) {
        this.logger.warn({ event: 'job.cleanup_failed', jobId: cur.job.id, dir, message: (error as Error).message });
      }
    }
  }

  private async beat(cur: Current): Promise<void> {
    try {
      const state = await this.jobs.heartbeat(cur.job.id, this.workerId);
      if (!state) {
        cur.lost = true;
        cur.proc?.kill();
      } else if (state.cancelRequested && !cur.cancelled) {
        cur.cancelled = true;
        cur.proc?.kill();
        this.logger.log({ event: 'job.cancelling', jobId: cur.job.id });
      }
    } catch (error) {
      this.logger.warn({ event: 'job.heartbeat_failed', jobId: cur.job.id, message: (error as Error).message });
    }
  }
}
