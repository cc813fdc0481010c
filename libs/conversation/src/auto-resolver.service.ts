import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@app/config';
import { ConversationRepository } from '@app/database';
import { HandoffService } from './handoff.service';
import { IntervalJob } from './interval-job';

/** How often open conversations are checked, and how many are resolved at most per check. */
export const AUTO_RESOLVE_EVERY_MS = 5 * 60_000;
const AUTO_RESOLVE_BATCH = 200;

/**
 * Auto-resolve, as Chatwoot's: every few minutes, conversations nobody wrote in for CONVERSATION_AUTO_RESOLVE_HOURS
 * are resolved (HandoffService.resolveIdle), so abandoned ones leave the agents' queue and the customer's next
 * message starts afresh. Every instance checks; the conversation lock and the idle check under it let one of them
 * resolve each, once.
 */
@Injectable()
export class AutoResolver extends IntervalJob<number> {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly conversations: ConversationRepository,
    private readonly handoffs: HandoffService,
  ) {
    super(new Logger('AutoResolver'), 'auto_resolve');
  }

  protected everyMs(): number {
    return this.config.chat.autoResolveHours > 0 ? AUTO_RESOLVE_EVERY_MS : 0;
  }

  /** Resolves the idle conversations of this round; how many it closed. */
  protected async run(): Promise<number> {
    const hours = this.config.chat.autoResolveHours;
    if (hours <= 0) return 0;
    const idleSince = new Date(Date.now() - hours * 3_600_000);
    let resolved = 0;
    for (const id of await this.conversations.idleOpen(idleSince, AUTO_RESOLVE_BATCH)) {
      if (await this.handoffs.resolveIdle(id, idleSince)) resolved++;
    }
    if (resolved > 0) this.logger.log({ event: 'auto_resolve', resolved, hours });
    return resolved;
  }
}
