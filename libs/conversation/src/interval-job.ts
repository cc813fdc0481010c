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
    private readonly name: string,
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
