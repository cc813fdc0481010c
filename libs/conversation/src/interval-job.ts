import { BeforeApplicationShutdown, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { isDatabaseUnavailable } from '@app/database';
import { describe } from './turn.service';

/**
 * A piece of work every server runs on a timer (the turn sweeper, auto-resolve): one run at a time, errors logged
 * and never thrown (the database being away only skips a round: readiness reports it), the timer stopped and the
 * run in flight awaited at shutdown. Subclasses say how often (`everyMs`, 0 or less: never) and what (`run`).
 */
export abstract class IntervalJob<T> implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<T | undefined> | null = null;

  /** `name` prefixes the log events: `<name>_skipped`, `<name>_failed`. */
  protected constructor(
    protected readonly logger: Logger,
    protected readonly name: string,
  ) {}

  protected abstract everyMs(): number;
  protected abstract run(): Promise<T>;

  onApplicationBootstrap(): void {
    const ms = this.everyMs();
    if (ms <= 0) return;
    this.timer = setInterval(() => void this.tick(), ms); // tick() catches its own errors
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** One run unless the previous one is still going; undefined when it failed. */
  tick(): Promise<T | undefined> {
    this.running ??= this.run()
      .catch((error: unknown): undefined => {
        if (isDatabaseUnavailable(error)) this.logger.warn({ event: `${this.name}_skipped`, reason: 'database unavailable' });
        else this.logger.error({ event: `${this.name}_failed`, err: describe(error) });
        return undefined;
      })
      .finally(() => (this.running = null));
    return this.running;
  }
}

/**
 * An {@link IntervalJob} over the conversations past an age (auto-resolve, retention): each round it finds up to
 * `batch` of those older than `ageMs()` (0 or less: off) and acts on each, which checks again under the
 * conversation's lock; it counts those it changed.
 */
export abstract class AgeSweep extends IntervalJob<number> {
  protected constructor(
    logger: Logger,
    name: string,
    private readonly roundMs: number,
    private readonly batch: number,
  ) {
    super(logger, name);
  }

  protected abstract ageMs(): number;
  protected abstract find(before: Date, limit: number): Promise<string[]>;
  protected abstract act(id: string, before: Date): Promise<boolean>;

  protected everyMs(): number {
    return this.ageMs() > 0 ? this.roundMs : 0;
  }

  protected async run(): Promise<number> {
    const age = this.ageMs();
    if (age <= 0) return 0;
    const before = new Date(Date.now() - age);
    let changed = 0;
    for (const id of await this.find(before, this.batch)) if (await this.act(id, before)) changed++;
    if (changed > 0) this.logger.log({ event: this.name, conversations: changed, before: before.toISOString() });
    return changed;
  }
}
