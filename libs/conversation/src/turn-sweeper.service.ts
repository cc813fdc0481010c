import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@app/config';
import { isDatabaseUnavailable } from '@app/database';
import { describe, TurnService } from './turn.service';

/**
 * Every `chat.sweepIntervalSeconds`, has {@link TurnService.sweep} answer customer messages that waited too long:
 * no accepted message stays unanswered after a server crashed mid-turn, even if the customer never writes again.
 * Every instance sweeps; the turn's database lock lets one of them answer.
 */
@Injectable()
export class TurnSweeper implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('TurnSweeper');
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly turns: TurnService,
  ) {}

  onApplicationBootstrap(): void {
    const seconds = this.config.chat.sweepIntervalSeconds;
    if (seconds <= 0) return;
    this.timer = setInterval(() => void this.tick(), seconds * 1000); // tick() catches its own errors
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** One sweep unless the previous one is still running. */
  tick(): Promise<void> {
    this.running ??= this.turns
      .sweep()
      .then(() => undefined)
      .catch((error: unknown) => {
        // The database being away is what readiness reports; the next tick tries again.
        if (isDatabaseUnavailable(error)) this.logger.warn({ event: 'turn.sweep_skipped', reason: 'database unavailable' });
        else this.logger.error({ event: 'turn.sweep_failed', err: describe(error) });
      })
      .finally(() => (this.running = null));
    return this.running;
  }
}
