import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@app/config';
import { IntervalJob } from './interval-job';
import { TurnService } from './turn.service';

/**
 * Every `chat.sweepIntervalSeconds`, has {@link TurnService.sweep} answer customer messages that waited too long:
 * no accepted message stays unanswered after a server crashed mid-turn, even if the customer never writes again.
 * Every instance sweeps; the turn's database lock lets one of them answer.
 */
@Injectable()
export class TurnSweeper extends IntervalJob<unknown> {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly turns: TurnService,
  ) {
    super(new Logger('TurnSweeper'), 'turn.sweep');
  }

  protected everyMs(): number {
    return this.config.chat.sweepIntervalSeconds * 1000;
  }

  protected run(): Promise<unknown> {
    return this.turns.sweep();
  }
}
