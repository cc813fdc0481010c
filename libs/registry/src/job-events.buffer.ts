import { Logger } from '@nestjs/common';
import { JOB_CHANNEL } from '@app/contracts';
import type { JobEventType, JobProgress } from '@app/contracts';
import { TrainingJobRepository } from '@app/database';
import { PgChannelRepository } from './pg-channel.repository';
import type { ProcessLine } from './training-process.repository';

const LOG_TAIL = 50;
const MAX_LINE = 2000;

/**
 * Collects a running job's progress and log lines and writes them at most once per `flushMs` (one INSERT of
 * events, one UPDATE of progress/log tail, one NOTIFY), so a chatty training process cannot flood the database.
 */
export class JobEventsBuffer {
  private readonly logger = new Logger('JobEvents');
  private pending: { type: JobEventType; data: Record<string, unknown> }[] = [];
  private progress: JobProgress;
  private tail: string[] = [];
  private dirty = false;
  private readonly timer: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();
  /** Last lines written to stderr, and the last one naming an error, for the failure message. */
  readonly stderrTail: string[] = [];
  lastError: string | null = null;

  constructor(
    private readonly jobId: string,
    private readonly jobs: TrainingJobRepository,
    private readonly channel: PgChannelRepository,
    flushMs: number,
    initial: JobProgress,
  ) {
    this.progress = initial;
    this.timer = setInterval(() => void this.flush(), flushMs);
    this.timer.unref();
  }

  status(status: string, data: Record<string, unknown> = {}): void {
    this.pending.push({ type: 'status', data: { status, ...data } });
    this.dirty = true;
  }

  setProgress(patch: Partial<JobProgress>, event = true): void {
    this.progress = { ...this.progress, ...patch };
    if (event) this.pending.push({ type: 'progress', data: { ...patch } });
    this.dirty = true;
  }

  log(line: string, stream: 'stdout' | 'stderr' | 'worker' = 'worker'): void {
    const text = line.length > MAX_LINE ? `${line.slice(0, MAX_LINE)}…` : line;
    this.tail.push(text);
    if (this.tail.length > LOG_TAIL) this.tail.shift();
    if (stream === 'stderr') {
      this.stderrTail.push(text);
      if (this.stderrTail.length > 5) this.stderrTail.shift();
      // The CLI ends an expected failure with one "<Kind>Error: what to fix" line; that is the job's error message.
      if (/\b[A-Z]\w*Error\b/.test(text)) this.lastError = text;
    }
    this.pending.push({ type: 'log', data: { line: text, stream } });
    this.dirty = true;
  }

  /** A line of the training CLI: progress JSON on stdout (`--progress-jsonl -`), anything else is log. */
  handleLine({ stream, line }: ProcessLine): void {
    if (stream === 'stdout' && line.startsWith('{')) {
      const ev = parseEvent(line);
      if (ev) return this.handleEvent(ev);
    }
    if (line.trim()) this.log(line, stream);
  }

  private handleEvent(ev: Record<string, unknown>): void {
    const num = (k: string) => (typeof ev[k] === 'number' ? (ev[k] as number) : undefined);
    switch (ev.event) {
      case 'phase':
        if (ev.phase === 'training') this.setProgress({ phase: 'training', epochs: num('epochs'), epoch: 0, step: 0 });
        else if (ev.phase === 'exporting') this.setProgress({ phase: 'exporting' });
        return;
      case 'step':
        this.setProgress({ epoch: num('epoch'), step: num('step'), steps: num('steps'), loss: num('loss') });
        return;
      case 'epoch':
        this.setProgress({ epoch: num('epoch'), epochs: num('epochs'), loss: num('loss'), dev: ev.dev as JobProgress['dev'] });
        return;
      case 'done':
        this.log(`exported ${String(ev.version)}`, 'worker');
        return;
      default:
        this.log(JSON.stringify(ev), 'stdout');
    }
  }

  get currentProgress(): JobProgress {
    return this.progress;
  }

  flush(): Promise<void> {
    const run = this.flushing.then(() => this.doFlush());
    this.flushing = run.catch((e: Error) => this.logger.warn({ event: 'job.events.flush_failed', jobId: this.jobId, message: e.message }));
    return this.flushing;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  private async doFlush(): Promise<void> {
    if (!this.dirty) return;
    const events = this.pending;
    this.pending = [];
    this.dirty = false;
    await this.jobs.appendEvents(this.jobId, events);
    await this.jobs.update(this.jobId, { progress: this.progress, logTail: [...this.tail] });
    await this.channel.publish(JOB_CHANNEL, this.jobId);
  }
}

function parseEvent(line: string): Record<string, unknown> | null {
  try {
    const v = JSON.parse(line) as unknown;
    return v && typeof v === 'object' && typeof (v as { event?: unknown }).event === 'string' ? (v as Record<string, unknown>) : null;
  } catch {
    return null; // a log line that happens to start with "{"
  }
}
